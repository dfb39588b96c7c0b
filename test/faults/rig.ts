/*
 * The shape of every fault scenario: load starts, the fault is injected a third of the way in (the
 * hand-computed week is posted from then on), recovery, the load ends, the projector drains, the
 * checks run, and the scenario's row is saved for the table.
 */
import { freePort, uniqueName, waitFor } from '@wise/testing';
import { AppProcess } from '../helpers';
import { clickhouseOf, waitUntilCommitted } from '../projector/harness';
import { verify } from './checks';
import { LOAD, traffic, type Traffic } from './load';
import { rowOf, saveRow, type ScenarioRow } from './report';

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

export interface UnderLoad {
  order: number;
  name: string;
  env: NodeJS.ProcessEnv;
  url: string;
  traffic: Traffic;
  /** Injects the fault and recovers from it, while the load goes on. */
  fault: () => Promise<void>;
  /** Publish the hand-computed week once the fault is in place rather than while it happens. */
  weekAfterFault?: boolean;
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
  const ch = clickhouseOf(s.env);
  try {
    const verdict = await verify(ch, all.acceptedIds, s.traffic.scenarioInstitute);
    const row = rowOf(s.name, all, drainMs, { ...verdict, problems: [...drainProblems, ...verdict.problems] });
    saveRow(s.order, row);
    return row;
  } finally {
    await ch.close();
  }
}
