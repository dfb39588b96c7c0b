/*
 * The shape of every fault scenario: load starts, the fault is injected a third of the way in (the
 * hand-computed week is posted from then on), recovery, the load ends, the projector drains, the
 * checks run, and the scenario's row is saved for the table.
 */
import { freePort, uniqueName, waitFor } from '@wise/testing';
import { AppProcess, startProjector } from '../helpers';
import { clickhouseOf, waitUntilCommitted } from '../projector/harness';
import { unchecked, verify } from './checks';
import { LOAD, traffic, type Traffic } from './load';
import { RoundRobinProxy } from './proxy';
import { rowOf, saveRow, SINGLE_NODE, type ScenarioRow, type Suite } from './report';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The outage every fault lasts before recovery starts. */
export const OUTAGE_MS = 3000;

export function newTraffic(): Traffic {
  return traffic(uniqueName('f').replace(/[^a-z0-9]/g, ''));
}

/** Ingestion on a port of the caller's choosing, so a restarted process takes the same address. */
export async function startIngestionOn(env: NodeJS.ProcessEnv, port: number): Promise<AppProcess> {
  // OPS_PORT: main's ingestion serves its operations endpoints on a port of their own (ignored before).
  const proc = AppProcess.start('ingestion', { ...env, PORT: String(port), OPS_PORT: String(await freePort()) });
  try {
    await proc.waitForLine(/ingestion listening/, 60000);
    await waitFor('ingestion /ready', async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200, 60000);
  } catch (e) {
    await proc.stop('SIGKILL');
    throw e;
  }
  return proc;
}

/** Ingestion processes behind one port (a load balancer) and projectors in one consumer group. */
export interface ScaledOut {
  proxy: RoundRobinProxy;
  /** Each ingestion process with its port, so that a restarted one takes the same address. */
  ingestion: Array<{ proc: AppProcess; port: number }>;
  projectors: AppProcess[];
  stop(): Promise<void>;
}

export async function startScaledOut(env: NodeJS.ProcessEnv, ingestionCount: number, projectorCount: number): Promise<ScaledOut> {
  const ingestion: ScaledOut['ingestion'] = [];
  const projectors: AppProcess[] = [];
  let proxy: RoundRobinProxy | undefined;
  const stop = async () => {
    await proxy?.close();
    for (const a of [...ingestion.map((i) => i.proc), ...projectors]) await a.stop('SIGKILL');
  };
  try {
    for (let i = 0; i < ingestionCount; i++) {
      const port = await freePort();
      ingestion.push({ proc: await startIngestionOn(env, port), port });
    }
    for (let i = 0; i < projectorCount; i++) projectors.push(await startProjector(env));
    proxy = await RoundRobinProxy.start(ingestion.map((i) => i.port));
  } catch (e) {
    await stop();
    throw e;
  }
  return { proxy, ingestion, projectors, stop };
}

export interface UnderLoad {
  /** Whose table the row goes to (the single node's unless said). */
  suite?: Suite;
  order: number;
  name: string;
  env: NodeJS.ProcessEnv;
  url: string;
  traffic: Traffic;
  /** Injects the fault and recovers from it, while the load goes on. */
  fault: () => Promise<void>;
  /** Publish the hand-computed week once the fault is in place rather than while it happens. */
  weekAfterFault?: boolean;
  /** After the drain, before the checks: whatever makes the checks' reads complete (a cluster's replicas synced). */
  settle?: () => Promise<void>;
  /** Checks of the scenario's own, after the common ones; each problem fails the row. */
  moreChecks?: () => Promise<string[]>;
}

export async function underLoad(s: UnderLoad): Promise<ScenarioRow> {
  const load = s.traffic.simulate(s.url);
  await sleep((LOAD.seconds * 1000) / 3);
  let week: Promise<void>;
  if (s.weekAfterFault) {
    await s.fault();
    week = s.traffic.scenario(s.env);
  } else {
    week = s.traffic.scenario(s.env);
    await s.fault();
  }
  const [all] = await Promise.all([load, week]);
  const loadEnded = Date.now();
  const drainProblems: string[] = [];
  await waitUntilCommitted(s.env, LOAD.drainTimeoutS * 1000).catch((e: Error) => {
    drainProblems.push(`not drained within FAULTS_DRAIN_TIMEOUT_S=${LOAD.drainTimeoutS} s: ${e.message}`);
  });
  const drainMs = Date.now() - loadEnded;
  await s.settle?.().catch((e: Error) => drainProblems.push(`settling before the checks failed: ${e.message}`));
  const ch = clickhouseOf(s.env);
  try {
    const verdict = await verify(ch, all.acceptedIds, s.traffic.scenarioInstitute).catch(unchecked);
    const more = (await s.moreChecks?.().catch((e: Error) => [`the scenario's own checks could not run: ${e.message}`])) ?? [];
    const row = rowOf(s.name, all, drainMs, { ...verdict, problems: [...drainProblems, ...verdict.problems, ...more] });
    saveRow(s.suite ?? SINGLE_NODE, s.order, row);
    return row;
  } finally {
    await ch.close();
  }
}
