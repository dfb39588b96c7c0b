import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTraffic } from './generate';
import { writeOut } from './out-writer';
import { instituteCredentials, type WorldOptions } from './world';

describe('writeOut', () => {
  const o: WorldOptions = {
    seed: 'out',
    institutes: 2,
    weeks: 1,
    classrooms: 2,
    students: 5,
    startMs: Date.UTC(2024, 5, 3),
    prefix: 'sim',
  };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'simulate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one body per line per institute, in delivery order, and a manifest without keys', () => {
    const events = [...generateTraffic(o)];
    const n = writeOut(dir, events, instituteCredentials(o));
    expect(n).toBe(events.length);
    for (const [i, slug] of ['sim-out-1', 'sim-out-2'].entries()) {
      const lines = readFileSync(join(dir, `${slug}.jsonl`), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines).toEqual(events.filter((e) => e.institute === i).map((e) => e.body));
    }
    const manifest = readFileSync(join(dir, 'institutes.json'), 'utf8');
    expect(JSON.parse(manifest)).toEqual([
      { slug: 'sim-out-1', keyHeader: 'x-wise-key', file: 'sim-out-1.jsonl', bodies: events.filter((e) => e.institute === 0).length },
      { slug: 'sim-out-2', keyHeader: 'x-wise-key', file: 'sim-out-2.jsonl', bodies: events.filter((e) => e.institute === 1).length },
    ]);
    expect(manifest).not.toContain('sim_');
  });
});
