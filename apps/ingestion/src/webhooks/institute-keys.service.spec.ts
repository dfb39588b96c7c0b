import { hashInstituteKey } from '@wise/contracts';
import { Logger } from '@wise/observability';
import type { InstituteRecord, InstitutesRepository } from '@wise/postgres';
import { candidateHeaders, InstituteKeysService, MAX_CANDIDATE_HEADERS } from './institute-keys.service';

const KEY = '0123456789abcdef0123456789abcdef';

/** A repository stand-in whose loads can be made to fail, as when PostgreSQL is down. */
class FakeRepository {
  failing = false;
  learned: Array<[string, string]> = [];
  constructor(private readonly records: InstituteRecord[]) {}
  async loadEnabledWithKeys(): Promise<InstituteRecord[]> {
    if (this.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return this.records.map((r) => ({ ...r }));
  }
  async recordLearnedHeader(slug: string, header: string): Promise<void> {
    this.learned.push([slug, header]);
  }
}

const record = (slug: string, keyHeader: string | null): InstituteRecord => ({
  slug,
  name: slug,
  keyHeader,
  learnedHeader: null,
  enabled: true,
  keys: [{ id: 1, ...hashInstituteKey(KEY) }],
});

async function service(records: InstituteRecord[], maxStalenessMs = 300_000) {
  let now = 1_000_000;
  const repo = new FakeRepository(records);
  const keys = new InstituteKeysService(
    repo as unknown as InstitutesRepository,
    { INSTITUTES_REFRESH_MS: 2000, INSTITUTES_MAX_STALENESS_MS: maxStalenessMs },
    new Logger('test', 'error'),
    () => now,
  );
  await keys.refresh();
  return {
    keys,
    repo,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('InstituteKeysService: learning mode', () => {
  it.each([
    ['authorization', KEY],
    ['authorization', `Bearer ${KEY}`],
    ['x-wise-webhook-secret', KEY],
  ])('accepts the key in %s (%s) and learns that header', async (header, value) => {
    const { keys, repo } = await service([record('acme', null)]);
    expect(keys.check('acme', { host: 'x', [header]: value, 'user-agent': 'Wise' })).toEqual({ ok: true, header });
    await new Promise((r) => setImmediate(r));
    expect(repo.learned).toEqual([['acme', header]]);
    keys.check('acme', { [header]: value });
    expect(repo.learned).toHaveLength(1); // recorded once, not on every delivery
  });

  it('once pinned, accepts the key only in the pinned header', async () => {
    const { keys } = await service([record('acme', 'authorization')]);
    expect(keys.check('acme', { authorization: KEY }).ok).toBe(true);
    expect(keys.check('acme', { 'x-wise-key': KEY })).toEqual({ ok: false, why: 'missing-key' });
    expect(keys.check('acme', { authorization: 'wrong-0123456789abcdef', 'x-wise-key': KEY })).toEqual({ ok: false, why: 'wrong-key' });
  });

  it(`looks at no more than ${MAX_CANDIDATE_HEADERS} headers`, () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 100; i++) headers[`x-h${String(i).padStart(3, '0')}`] = `value-${i}-0123456789abcdef`;
    expect(candidateHeaders(headers)).toHaveLength(MAX_CANDIDATE_HEADERS);
    expect(candidateHeaders({ host: KEY, 'content-type': KEY, 'x-short': 'abc' })).toEqual([]);
  });
});

describe('InstituteKeysService: the time of a refusal tells nothing', () => {
  it('an unknown institute, a wrong key, a missing key and a right key cost the same hashing', async () => {
    const { keys } = await service([record('pinned', 'x-wise-key'), record('learning', null)]);
    const headers = (v: string) => ({ 'x-wise-key': v, 'x-other': 'other-value-0123456789' });
    const cost = (slug: string, h: Record<string, string>) => {
      const before = keys.hashesComputed;
      keys.check(slug, h);
      return keys.hashesComputed - before;
    };
    const costs = [
      cost('no-such-institute', headers(KEY)),
      cost('pinned', headers('wrong-key-0123456789abcdef')),
      cost('pinned', headers(KEY)),
      cost('learning', headers('wrong-key-0123456789abcdef')),
      cost('learning', headers(KEY)),
    ];
    expect(costs[0]).toBeGreaterThan(0);
    expect(new Set(costs).size).toBe(1);
  });
});

describe('InstituteKeysService: revocation cannot fail open for long', () => {
  it('keeps the last keys while PostgreSQL is down, up to INSTITUTES_MAX_STALENESS_MS, then refuses with stale', async () => {
    const { keys, repo, advance } = await service([record('acme', 'x-wise-key')], 60_000);
    repo.failing = true;
    advance(59_000);
    await keys.refresh();
    expect(keys.check('acme', { 'x-wise-key': KEY }).ok).toBe(true);
    expect(keys.stale).toBe(false);
    advance(2_000);
    await keys.refresh();
    expect(keys.stale).toBe(true);
    expect(keys.check('acme', { 'x-wise-key': KEY })).toEqual({ ok: false, why: 'stale', ageMs: 61_000 });
    repo.failing = false;
    await keys.refresh();
    expect(keys.check('acme', { 'x-wise-key': KEY }).ok).toBe(true);
  });
});

describe('InstituteKeysService: started while PostgreSQL is unreachable', () => {
  it('answers not-loaded (503, never 401), keeps the reason, retries with backoff, and loads once PostgreSQL returns', async () => {
    jest.useFakeTimers();
    try {
      const repo = new FakeRepository([record('acme', 'x-wise-key')]);
      repo.failing = true;
      let prepared = 0;
      const keys = new InstituteKeysService(
        repo as unknown as InstitutesRepository,
        { INSTITUTES_REFRESH_MS: 2000, INSTITUTES_MAX_STALENESS_MS: 300_000 },
        new Logger('test', 'error'),
        Date.now,
        async () => {
          if (repo.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          prepared++;
        },
      );
      await keys.start();
      expect(keys.loaded).toBe(false);
      expect(keys.problem).toMatch(/ECONNREFUSED/);
      expect(keys.check('acme', { 'x-wise-key': KEY })).toEqual({ ok: false, why: 'not-loaded' });
      expect(keys.check('nobody', { 'x-wise-key': KEY })).toEqual({ ok: false, why: 'not-loaded' });
      // Retries at 250 ms, 500 ms, 1 s, 2 s, … up to 10 s: five attempts in the first 4 s.
      let attempts = 1;
      const countAttempts = jest.spyOn(keys, 'refresh');
      await jest.advanceTimersByTimeAsync(3_800);
      attempts += countAttempts.mock.calls.length;
      expect(attempts).toBe(5);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(countAttempts.mock.calls.length).toBeLessThan(15); // capped at 10 s apart, not every 250 ms
      repo.failing = false;
      await jest.advanceTimersByTimeAsync(10_000);
      expect(keys.loaded).toBe(true);
      expect(keys.problem).toBeNull();
      expect(prepared).toBe(1);
      expect(keys.check('acme', { 'x-wise-key': KEY }).ok).toBe(true);
      keys.onApplicationShutdown();
    } finally {
      jest.useRealTimers();
    }
  });
});
