import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { buildRequest, HttpConnection, HttpTimeoutError } from './http-connection';
import { isRetryable, scaledRetryDelays, sendAll, SendStats, type Delivery } from './sender';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const deliveries = (n: number): Delivery[] =>
  Array.from({ length: n }, (_, i) => ({ slug: `inst-${i % 2}`, keyHeader: 'x-wise-key', key: `key-${i % 2}`, body: `{"n":${i}}` }));

describe('HttpConnection', () => {
  let server: Server;
  afterEach(() => new Promise((r) => server.close(r)));

  it('reuses one connection for many requests and reads sized and chunked answers', async () => {
    const ports = new Set<number>();
    let n = 0;
    const s = await serve((req, body, res) => {
      ports.add(req.socket.remotePort!);
      if (n++ % 2 === 0) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      else {
        res.writeHead(503);
        res.write('par');
        res.end('tial');
      }
    });
    server = s.server;
    const conn = new HttpConnection(new URL(s.url));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await conn.request(buildRequest(new URL(s.url), 'POST', '/x', {}, `{"i":${i}}`), 2000));
    conn.close();
    expect(answers.map((a) => [a.status, a.body.toString()])).toEqual([
      [200, '{"i":0}'],
      [503, 'partial'],
      [200, '{"i":2}'],
      [503, 'partial'],
    ]);
    expect(ports.size).toBe(1);
  });

  it('times out, then works again on a new connection', async () => {
    let first = true;
    const s = await serve((_req, _body, res) => {
      if (first) {
        first = false;
        return;
      }
      res.end('ok');
    });
    server = s.server;
    const url = new URL(s.url);
    const conn = new HttpConnection(url);
    await expect(conn.request(buildRequest(url, 'POST', '/', {}, '{}'), 100)).rejects.toBeInstanceOf(HttpTimeoutError);
    expect((await conn.request(buildRequest(url, 'POST', '/', {}, '{}'), 2000)).status).toBe(200);
    conn.close();
    server.closeAllConnections();
  });
});

describe('sendAll', () => {
  let server: Server;
  afterEach(() => new Promise((r) => server.close(r)));

  it('POSTs each body to its institute with its key header, retrying 503s until accepted', async () => {
    const seen: Array<{ url: string; key: string; body: string }> = [];
    const attempts = new Map<string, number>();
    const s = await serve((req, body, res) => {
      const n = (attempts.get(body) ?? 0) + 1;
      attempts.set(body, n);
      if (n <= 2 && body.includes('"n":3')) return void res.writeHead(503).end('later');
      seen.push({ url: req.url!, key: String(req.headers['x-wise-key']), body });
      res.writeHead(200).end('{"status":"accepted"}');
    });
    server = s.server;
    const stats = await sendAll(deliveries(10)[Symbol.iterator](), {
      baseUrl: s.url,
      rate: 0,
      concurrency: 3,
      timeoutMs: 2000,
      retryDelaysMs: [10, 10, 10],
    });
    expect(stats.ok).toBe(10);
    expect(stats.outcomes.get('503')).toBe(2);
    expect(stats.retries).toBe(2);
    expect(seen).toHaveLength(10);
    expect(seen.find((x) => x.body === '{"n":1}')).toEqual({ url: '/webhooks/wise/inst-1', key: 'key-1', body: '{"n":1}' });
  });

  it('drops a delivery after the last retry, and never retries a 401', async () => {
    const s = await serve((_req, body, res) => res.writeHead(body.includes('"n":0') ? 503 : 401).end());
    server = s.server;
    const stats = await sendAll(
      deliveries(2)[Symbol.iterator](),
      { baseUrl: s.url, rate: 0, concurrency: 2, timeoutMs: 2000, retryDelaysMs: [5, 5] },
      new SendStats(),
    );
    expect(stats.outcomes.get('503')).toBe(3);
    expect(stats.outcomes.get('401')).toBe(1);
    expect(stats.gaveUp).toBe(1);
    expect(stats.ok).toBe(0);
  });

  it('paces deliveries at the asked rate', async () => {
    const s = await serve((_req, _body, res) => res.end());
    server = s.server;
    const t0 = Date.now();
    await sendAll(deliveries(40)[Symbol.iterator](), { baseUrl: s.url, rate: 100, concurrency: 8, timeoutMs: 2000, retryDelaysMs: [] });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(2000);
  });
});

describe('retry policy', () => {
  it.each([
    ['503', true],
    ['500', true],
    ['timeout', true],
    ['network', true],
    ['200', false],
    ['401', false],
    ['413', false],
  ])('%s retryable: %s', (o, want) => {
    expect(isRetryable(o)).toBe(want);
  });

  it("scales Wise's schedule (60 s … 15300 s after the event) into waits between attempts", () => {
    expect(scaledRetryDelays(1).reduce((a, b) => a + b, 0)).toBe(15_300_000);
    expect(scaledRetryDelays(1)[0]).toBe(60_000);
    expect(scaledRetryDelays(1 / 600)).toHaveLength(8);
  });
});
