// Preloaded into an app under test with NODE_OPTIONS=--require: moves this process's clock by
// CLOCK_SKEW_MS (negative: behind), as on a host whose clock drifted. Date.now is what the apps
// read the time from.
const skew = Number(process.env.CLOCK_SKEW_MS || 0);
const realNow = Date.now;
Date.now = () => realNow() + skew;
