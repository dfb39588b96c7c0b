import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// package.json `engines` promises Node versions the code runs on; a dependency that declares a
// narrower range would make that promise false on some of them (nestjs-pino 5 wanted Node ≥ 22.12
// while `engines` said ≥ 20). So every Node version `engines` admits must be one each direct
// dependency admits too.
const semver = createRequire(__filename)('semver') as {
  subset(sub: string, sup: string): boolean;
  satisfies(v: string, range: string): boolean;
};
const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const nodeRange = (name: string): string | undefined =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node;

describe('package.json engines', () => {
  it('admits the Node this runs on', () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });

  it('a range narrower than a dependency would fail (the check itself works)', () => {
    expect(semver.subset('>=20', '>=22.12.0')).toBe(false);
    expect(semver.subset('^20.19.0 || ^22.13.0 || >=24', '^20.19.0 || >=22.12.0')).toBe(true);
  });

  it('admits only Node versions every direct dependency declares it supports', () => {
    const narrower = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
      .map((name) => [name, nodeRange(name)] as const)
      .filter(([, range]) => range !== undefined && !semver.subset(pkg.engines.node, range))
      .map(([name, range]) => `${name} wants node ${range}`);
    expect(narrower).toEqual([]);
  });
});
