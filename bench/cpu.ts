import { readdirSync, readFileSync } from 'node:fs';

/** Linux accounts process CPU time in clock ticks of 1/100 s (CLK_TCK, 100 on every common build). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null if gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has spent busy (all CPUs, everything but idle and iowait). */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const t = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = t;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Seconds a thread has spent runnable but waiting for a CPU (the run queue), from
 * /proc/<pid>/task/<tid>/schedstat; the main thread (tid = pid) is a Node process's event loop.
 */
export function runQueueSeconds(pid: number, tid = pid): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return null;
  }
}

/** A process and its descendants (e.g. a node:cluster primary and its workers), parents first. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

/** The first process whose command line matches, e.g. the Kafka broker (`kafka.Kafka`). */
export function findProcess(pattern: RegExp): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) return Number(entry);
    } catch {
      /* exited meanwhile */
    }
  }
  return null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The local services the pipeline runs on (as `scripts/stack/stack.sh` starts them from
 * `<root>/.stack`), preferring those of this checkout when several run on the machine.
 */
export function servicePids(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const stack = escape(`${root}/.stack`);
  const kafka = findProcess(new RegExp(`${stack}.*kafka\\.Kafka\\b`)) ?? findProcess(/kafka\.Kafka\b/);
  const clickhouse = findProcess(new RegExp(`clickhouse.*server.*${stack}`)) ?? findProcess(/clickhouse[- ]server/);
  if (kafka) out.kafka = kafka;
  if (clickhouse) out.clickhouse = clickhouse;
  return out;
}

/** CPU used by each process during a window, in cores (CPU seconds per wall second). */
export class CpuMeter {
  private readonly before = new Map<string, number>();
  private t0 = 0;
  private self0 = 0;
  private machine0: number | null = null;

  constructor(private readonly pids: Record<string, number>) {}

  start(): this {
    this.t0 = performance.now();
    const u = process.cpuUsage();
    this.self0 = (u.user + u.system) / 1e6;
    this.machine0 = machineBusySeconds();
    for (const [name, pid] of Object.entries(this.pids)) {
      const s = cpuSeconds(pid);
      if (s !== null) this.before.set(name, s);
    }
    return this;
  }

  /**
   * Cores used since start, per process name; `bench` is this process (the load generator) and
   * `machine` everything running on the machine, ours or not.
   */
  stop(): Record<string, number> {
    const wall = (performance.now() - this.t0) / 1000;
    const u = process.cpuUsage();
    const out: Record<string, number> = { bench: ((u.user + u.system) / 1e6 - this.self0) / wall };
    const busy = machineBusySeconds();
    if (busy !== null && this.machine0 !== null) out.machine = (busy - this.machine0) / wall;
    for (const [name, pid] of Object.entries(this.pids)) {
      const s = cpuSeconds(pid);
      const b = this.before.get(name);
      if (s !== null && b !== undefined) out[name] = (s - b) / wall;
    }
    return out;
  }
}
