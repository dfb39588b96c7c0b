import { escapeControl } from './quarantine.command';

describe('escapeControl', () => {
  it('escapes C0/C1 controls, DEL and bidi overrides', () => {
    expect(escapeControl('a\x1b[2Jb\r\n\u009b\u202etxt\u0000')).toBe('a\\x1b[2Jb\\x0d\\x0a\\x9b\\u202etxt\\x00');
  });

  it('leaves printable text alone', () => {
    expect(escapeControl('plain café ✓')).toBe('plain café ✓');
  });
});
