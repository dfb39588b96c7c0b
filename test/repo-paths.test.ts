import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// A clone with nothing beside it must pass `npm test` and run every script: no code, test, bench or
// tool may read a path that leaves the repository (a folder beside the clone, a home directory…).
const ROOT = join(__dirname, '..');
const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const outside = (p: string) => relative(ROOT, p).startsWith('..') || relative(ROOT, p).startsWith(sep);

/** Where a compiled file runs from: tsconfig.build.json compiles these to dist/, keeping the tree. */
function runtimeDir(file: string): string {
  const built = /^(apps|libs|bench|tools|scripts)\//.test(file) && !file.endsWith('.spec.ts') && !file.startsWith('libs/testing/');
  return dirname(join(ROOT, built ? join('dist', file) : file));
}

/** Every `join(__dirname, 'a', '..')` / `resolve(__dirname, '../x')` made only of string literals. */
export function dirnamePaths(source: string): string[][] {
  const out: string[][] = [];
  for (const m of source.matchAll(/\b(?:join|resolve)\(\s*__dirname((?:\s*,\s*(?:'[^']*'|"[^"]*"))*)\s*[,)]/g)) {
    out.push([...m[1].matchAll(/'([^']*)'|"([^"]*)"/g)].map((s) => s[1] ?? s[2]));
  }
  return out;
}

describe('no path leaves the repository', () => {
  const code = files.filter((f) => f.endsWith('.ts'));

  it('finds the __dirname paths it checks (the scan itself works)', () => {
    expect(dirnamePaths(`join(__dirname, '..', 'fixtures', "wise") resolve(__dirname, '../x', name)`)).toEqual([
      ['..', 'fixtures', 'wise'],
      ['../x'],
    ]);
    expect(code.length).toBeGreaterThan(50);
  });

  it('every __dirname path and relative import of the TypeScript files stays inside', () => {
    const bad: string[] = [];
    for (const file of code) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      for (const parts of dirnamePaths(source)) {
        if (outside(resolve(runtimeDir(file), ...parts))) bad.push(`${file}: join(__dirname, ${parts.map((p) => `'${p}'`).join(', ')})`);
      }
      for (const m of source.matchAll(/from\s+'(\.\.?\/[^']*)'/g)) {
        if (outside(resolve(dirname(join(ROOT, file)), m[1]))) bad.push(`${file}: import '${m[1]}'`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no file names the folder beside the clone or an absolute workspace path', () => {
    const text = files.filter(
      (f) => /\.(ts|js|mjs|sh|json|ya?ml|xml)$/.test(f) && f !== 'package-lock.json' && f !== 'test/repo-paths.test.ts',
    );
    const hits = text.filter((f) => /\.\.\/shared\b|['"]shared['"]\s*,\s*['"]fixtures|\/work\//.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(hits).toEqual([]);
  });
});
