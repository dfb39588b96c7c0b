import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  ramGb: number;
  node: string;
}

/** What the figures were measured on: CPUs (as nproc counts them), their model, memory. */
export function machine(): Machine {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux: os.cpus() is the best there is */
  }
  return { nproc: availableParallelism(), cpuModel: model.trim(), ramGb: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** Peak and current resident memory of a process, MB, from /proc/<pid>/status (VmHWM, VmRSS). */
export function processMemoryMb(pid: number): { peak: number; now: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peak: Math.round(kb('VmHWM') / 1024), now: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return null;
  }
}
