import { hashInstituteKey } from '@wise/contracts';
import { IngestionConfig } from '@wise/config';
import { Logger } from '@wise/observability';
import type { InstituteRecord, InstitutesRepository } from '@wise/postgres';
import { InstituteKeysService } from './institute-keys.service';

const institute = (slug: string, keys: string[], keyHeader = 'x-wise-key'): InstituteRecord => ({
  slug, name: slug, keyHeader, enabled: true, keys: keys.map((k, i) => ({ id: i + 1, ...hashInstituteKey(k) })),
});

/** The service over a repository whose answer the spec sets (a function, so it can also fail). */
function serviceWith(load: () => Promise<InstituteRecord[]>): InstituteKeysService {
  const repository = { loadEnabledWithKeys: load } as unknown as InstitutesRepository;
  return new InstituteKeysService(repository, IngestionConfig.parse({}), new Logger('test', 'error'));
}

describe('InstituteKeysService', () => {
  const OLD = 'old-key-0123456789abcdef';
  const NEW = 'new-key-0123456789abcdef';

  it('is not loaded until its first refresh', async () => {
    const keys = serviceWith(async () => [institute('acme', [OLD])]);
    expect(keys.loaded).toBe(false);
    expect(keys.check('acme', { 'x-wise-key': OLD })).toEqual({ ok: false, why: 'unknown-institute' });
    await keys.refresh();
    expect(keys.loaded).toBe(true);
    expect(keys.count).toBe(1);
  });

  it.each([
    ['the right key', 'acme', { 'x-wise-key': OLD }, { ok: true }],
    ['either key during a rotation', 'acme', { 'x-wise-key': NEW }, { ok: true }],
    ['the first of a repeated header', 'acme', { 'x-wise-key': [NEW, 'junk'] }, { ok: true }],
    ['an unknown institute', 'nope', { 'x-wise-key': OLD }, { ok: false, why: 'unknown-institute' }],
    ['no key header', 'acme', {}, { ok: false, why: 'missing-key' }],
    ['an empty key', 'acme', { 'x-wise-key': '' }, { ok: false, why: 'missing-key' }],
    ['a wrong key', 'acme', { 'x-wise-key': 'wrong-key-0123456789abcdef' }, { ok: false, why: 'wrong-key' }],
    ["another institute's header name", 'custom', { 'x-wise-key': OLD }, { ok: false, why: 'missing-key' }],
    ["the institute's own header name", 'custom', { 'x-custom': OLD }, { ok: true }],
  ])('checks %s', async (_case, slug, headers, expected) => {
    const keys = serviceWith(async () => [institute('acme', [OLD, NEW]), institute('custom', [OLD], 'x-custom')]);
    await keys.refresh();
    expect(keys.check(slug, headers)).toEqual(expected);
  });

  it('takes a rotated key and a removed institute at the next refresh', async () => {
    let current = [institute('acme', [OLD]), institute('gone', [OLD])];
    const keys = serviceWith(async () => current);
    await keys.refresh();
    current = [institute('acme', [NEW])];
    await keys.refresh();
    expect(keys.check('acme', { 'x-wise-key': OLD })).toEqual({ ok: false, why: 'wrong-key' });
    expect(keys.check('acme', { 'x-wise-key': NEW })).toEqual({ ok: true });
    expect(keys.check('gone', { 'x-wise-key': OLD })).toEqual({ ok: false, why: 'unknown-institute' });
  });

  it('keeps serving the last loaded institutes when PostgreSQL fails', async () => {
    let fail = false;
    const keys = serviceWith(async () => {
      if (fail) throw new Error('connection refused');
      return [institute('acme', [OLD])];
    });
    await keys.refresh();
    fail = true;
    await expect(keys.refresh()).resolves.toBeUndefined();
    expect(keys.check('acme', { 'x-wise-key': OLD })).toEqual({ ok: true });
  });
});
