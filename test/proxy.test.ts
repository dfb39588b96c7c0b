import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, freePort, post, RunningIngestion, startIngestion } from './helpers';
import { SlowUpload } from './slow-upload';

// docker/nginx/nginx.conf, the compose proxy, run by a real nginx (Debian's, installed by
// scripts/stack/stack.sh) in front of a real ingestion. Only what this machine cannot have is
// changed: the ports, the pid and log files, and the upstream's address (Docker's DNS and `resolve`, which
// Debian's nginx 1.22 lacks, find the replicas in compose).
const CONF = readFileSync(join(__dirname, '..', 'docker', 'nginx', 'nginx.conf'), 'utf8');
const PER_CLIENT = Number(/^\s*limit_conn per_client (\d+);$/m.exec(CONF)?.[1]);
const BODY_PAUSE_S = Number(/^\s*client_body_timeout (\d+)s;$/m.exec(CONF)?.[1]);
// Longer than the proxy's pause limit, so that each deadline is seen doing its own work.
const REQUEST_TIMEOUT_MS = 8000;

function nginxBinary(): string {
  for (const candidate of ['/usr/sbin/nginx', 'nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* try the next */
    }
  }
  throw new Error('nginx is not installed: `bash scripts/stack/stack.sh up` installs it (apt-get install nginx-light)');
}

/** The config with each of its machine-specific lines swapped; each must be found exactly once. */
function templated(dir: string, port: number, upstreamPort: number): string {
  const swaps: [RegExp, string][] = [
    [/^pid \S+;$/gm, `pid ${dir}/nginx.pid;`],
    // The container's stdout and stderr; a child of this test has sockets there, which nginx cannot open.
    [/access_log \/dev\/stdout;/g, `access_log ${dir}/access.log;`],
    [/error_log \/dev\/stderr warn;/g, `error_log ${dir}/error.log warn;`],
    [/^(\s*)listen 3000;$/gm, `$1listen 127.0.0.1:${port};`],
    [/server ingestion:3000 resolve;/g, `server 127.0.0.1:${upstreamPort};`],
  ];
  return swaps.reduce((conf, [pattern, replacement]) => {
    expect([String(pattern), conf.match(pattern)?.length]).toEqual([String(pattern), 1]);
    return conf.replace(pattern, replacement);
  }, CONF);
}

describe('the compose proxy (docker/nginx/nginx.conf) in a real nginx, in front of a real ingestion', () => {
  const env = testEnv({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  const slug = uniqueSlug('proxy');
  const key = 'proxy-key-0123456789abcdef';
  const path = `/webhooks/wise/${slug}`;
  const dir = mkdtempSync(join(tmpdir(), 'wise-proxy-'));
  let ingestion: RunningIngestion;
  let nginx: ChildProcess;
  let proxyUrl: string;
  const nginxOutput: string[] = [];
  const open: SlowUpload[] = [];
  const upload = (headers: Record<string, string>, length?: number) => {
    const u = new SlowUpload(proxyUrl, path, headers, length);
    open.push(u);
    return u;
  };
  const held = async () => {
    const text = await (await fetch(`${ingestion.opsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('ingestion_inflight_body_bytes{') && l.includes(`institute="${slug}"`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };

  beforeAll(async () => {
    const binary = nginxBinary();
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), templated(dir, port, Number(new URL(ingestion.url).port)));
    nginx = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [nginx.stdout!, nginx.stderr!]) stream.on('data', (d: Buffer) => nginxOutput.push(d.toString()));
    proxyUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      `nginx to answer on ${proxyUrl}/proxy-health`,
      async () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${nginxOutput.join('')}`);
        return (await fetch(`${proxyUrl}/proxy-health`)).ok;
      },
      10000,
    );
  });
  afterEach(async () => {
    for (const u of open.splice(0)) u.abort();
    await waitFor('ingestion to give back every byte', async () => (await held()) === 0, 15000);
  });
  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await ingestion?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes webhooks through to ingestion, with or without a declared length', async () => {
    const plain = await post(`${proxyUrl}${path}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });
    expect([plain.status, plain.json.status]).toEqual([200, 'accepted']);
    const chunked = upload({ 'x-wise-key': key });
    chunked.send(fixtureBytes('StudentAddedToClassroomEvent'));
    chunked.finish();
    const answer = await chunked.answered(5000);
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/"status":"accepted"/);
  });

  it('streams the body, so that a wrong key gets 401 while the sender still holds most of a 1 MiB body', async () => {
    const u = upload({ 'x-wise-key': 'wrong-key-0123456789abcdef' }, 1024 * 1024);
    u.send(Buffer.alloc(16 * 1024, 'x'));
    // Buffered, nginx would wait for the whole body (or client_body_timeout) before asking ingestion.
    const answer = await u.answered(3000);
    expect(answer.status).toBe(401);
    expect(answer.text).toMatch(/missing or wrong key/);
    expect(u.sent).toBe(16 * 1024);
  });

  it('cuts off a body that stops, after client_body_timeout, and ingestion gives its bytes back', async () => {
    const u = upload({ 'x-wise-key': key }, 1000);
    u.send(Buffer.alloc(100, 'x'));
    await waitFor('ingestion to hold the 100 bytes sent', async () => (await held()) === 100, 5000);
    const started = Date.now();
    expect(await u.closedWithin(BODY_PAUSE_S * 1000 + 2000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(BODY_PAUSE_S * 1000 - 1000);
    expect(u.answer.status).toBe(0); // nginx closes it without an answer: nothing was promised
    await waitFor('ingestion to give the bytes back', async () => (await held()) === 0, 5000);
  });

  it("cuts off a body that trickles without stopping, by ingestion's REQUEST_TIMEOUT_MS behind the proxy", async () => {
    const u = upload({ 'x-wise-key': key }, 1000);
    const started = Date.now();
    const trickle = setInterval(() => u.send('x'), 500);
    try {
      expect(await u.closedWithin(REQUEST_TIMEOUT_MS + 3000)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS - 1000);
    expect(u.sent).toBeLessThan(1000);
    expect(u.answer.status).toBe(408); // ingestion's answer, passed on
  });

  it(`refuses the request past ${PER_CLIENT} at once from one address with 429, whatever X-Forwarded-For it claims`, async () => {
    expect(PER_CLIENT).toBeGreaterThan(0);
    // Each holds its request open: headers sent, body not yet.
    const holding = Array.from({ length: PER_CLIENT }, (_, i) =>
      upload({ 'x-wise-key': key, 'x-forwarded-for': `10.0.${i >> 8}.${i & 255}` }, 1000),
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(holding.map((u) => u.answer.status)).toEqual(new Array(PER_CLIENT).fill(0));
    const refused = await post(`${proxyUrl}${path}`, fixtureBytes('MeetingStartedEvent'), {
      'x-wise-key': key,
      'x-forwarded-for': '192.0.2.77',
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.json.message).toMatch(new RegExp(`more than ${PER_CLIENT} requests at once from one address`));
    for (const u of holding) u.abort();
    await waitFor(
      'a webhook to pass again once the others are gone',
      async () => (await post(`${proxyUrl}${path}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key })).status === 200,
      5000,
    );
  });
});
