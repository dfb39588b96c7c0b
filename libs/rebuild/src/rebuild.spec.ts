import type { Logger } from '@wise/observability';
import { rebuildProjections } from './rebuild';

const quiet = { warn: () => undefined, error: () => undefined } as unknown as Logger;

// A scripted server (the real one is in test/projector/rebuild.test.ts): every live table exists,
// creating a copy fails for a reason that is not the data, and DROP never answers, as 18.16's
// DROP of a table with thousands of parts did for minutes.
describe('rebuildProjections clean-up', () => {
  it('reports the failure within its clean-up bound even when DROP hangs, leaving the copies to the next run', async () => {
    const ch = {
      query: async (_p: string, sql: string) => {
        const names = /name IN \(([^)]*)\)/.exec(sql)?.[1] ?? '';
        return [...names.matchAll(/'(\w+?)'/g)].map((m) => ({ name: m[1] })).filter((r) => !/__(rebuild|old)$/.test(r.name));
      },
      command: (_p: string, sql: string) => {
        if (sql.startsWith('DROP')) return new Promise<void>(() => undefined);
        if (sql.includes('CREATE TABLE participant_events__rebuild ')) return Promise.reject(new Error('Code: 497, not enough privileges'));
        return Promise.resolve();
      },
      insert: async () => undefined,
    };
    const lines: string[] = [];
    const started = Date.now();
    await expect(
      rebuildProjections(ch as unknown as Parameters<typeof rebuildProjections>[0], {
        pageSize: 10,
        progress: (l) => lines.push(l),
        logger: quiet,
        cleanupWithinMs: 200,
      }),
    ).rejects.toThrow('not enough privileges');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines.at(-1)).toMatch(
      /^could not drop the __rebuild tables: DROP TABLE .* took longer than 200 ms in all; the next rebuild drops them$/,
    );
  });
});
