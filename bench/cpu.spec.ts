import { cpuSeconds, CpuMeter, findProcess, machineBusySeconds } from './cpu';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

describe('cpu accounting from /proc', () => {
  it('reads this process and the machine, and finds processes by command line', () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(cpuSeconds(2 ** 22 + 12345)).toBeNull();
    expect(machineBusySeconds()).toBeGreaterThan(0);
    expect(findProcess(/jest/)).not.toBeNull();
    expect(findProcess(/no such command line, surely/)).toBeNull();
  });

  it('meters the CPU a process used during the window', () => {
    const meter = new CpuMeter({ self: process.pid }).start();
    // Spin until this process has used 100 ms of CPU (however long that takes on a busy machine).
    const from = cpuMs();
    while (cpuMs() - from < 100) {
      /* spin */
    }
    const used = meter.stop();
    expect(used.self).toBeGreaterThan(0);
    expect(used.bench).toBeGreaterThan(0);
    expect(used.machine).toBeGreaterThan(0);
  });
});
