import { hashInstituteKey, INSTITUTE_SLUG, keyMatches } from './institute-key';

describe('institute keys', () => {
  it('matches the key it was made from and nothing else', () => {
    const { salt, keyHash } = hashInstituteKey('k-0123456789abcdef');
    expect(keyMatches('k-0123456789abcdef', salt, keyHash)).toBe(true);
    expect(keyMatches('k-0123456789abcdeF', salt, keyHash)).toBe(false);
    expect(keyMatches('', salt, keyHash)).toBe(false);
  });

  it('salts every hash, so equal keys do not share a hash', () => {
    expect(hashInstituteKey('same-key-same-key').keyHash).not.toBe(hashInstituteKey('same-key-same-key').keyHash);
  });

  it('refuses a malformed stored hash instead of throwing', () => {
    expect(keyMatches('anything', 'salt', 'not-hex')).toBe(false);
  });

  it.each([
    ['acme', true],
    ['acme-2', true],
    ['a', true],
    ['Acme', false],
    ['-acme', false],
    ['acme/x', false],
    ['', false],
  ])('slug %j valid: %s', (slug, ok) => expect(INSTITUTE_SLUG.test(slug)).toBe(ok));
});
