// npm ci refuses a lock file that lacks an entry for any optional dependency, and `npm install`
// here cannot record the platform builds this machine's registry does not serve (chdb's macOS and
// arm64 libraries: 404). This adds, for each such optional dependency, an entry carrying only its
// version and platform, which `npm ci` skips on a platform it does not fit. Run it after any
// `npm install` that changes package-lock.json: `node scripts/lock-optional-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM = /lib-(darwin|linux|win32)-(x64|arm64)(?:-(gnu|musl))?$/;
const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, pkg] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const entry = `node_modules/${name}`;
    const m = PLATFORM.exec(name);
    if (packages[entry] || !m) continue;
    packages[entry] = {
      version,
      cpu: [m[2]],
      dev: pkg.dev === true || undefined,
      optional: true,
      os: [m[1]],
      ...(m[3] ? { libc: [m[3] === 'gnu' ? 'glibc' : 'musl'] } : {}),
    };
    added++;
    console.log(`added ${entry}@${version} (needed by ${path || 'the root'})`);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added ? `package-lock.json: ${added} platform entries added` : 'package-lock.json: nothing to add');
