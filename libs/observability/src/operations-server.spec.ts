import { jsonAnswer, OperationsServer, type OperationsRoutes } from './operations-server';

describe('OperationsServer', () => {
  let server: OperationsServer;
  let ready = true;
  const routes: OperationsRoutes = {
    health: () => jsonAnswer(200, { status: 'ok' }),
    ready: () => (ready ? jsonAnswer(200, { status: 'ready' }) : jsonAnswer(503, { status: 'not ready', problems: ['kafka away'] })),
    metrics: () => {
      throw new Error('collector broke');
    },
    other: (path) => (path === '/docs' ? { status: 200, contentType: 'text/html', body: Buffer.from('<html>') } : undefined),
  };

  beforeAll(async () => {
    server = await OperationsServer.listen(routes, 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

  it('answers each route with its status, type and body, the query string ignored', async () => {
    const health = await get('/health?probe=1');
    expect([health.status, health.headers.get('content-type'), await health.json()]).toEqual([
      200,
      'application/json; charset=utf-8',
      { status: 'ok' },
    ]);
    ready = false;
    const notReady = await get('/ready');
    expect([notReady.status, await notReady.json()]).toEqual([503, { status: 'not ready', problems: ['kafka away'] }]);
    ready = true;
    expect((await get('/ready')).status).toBe(200);
    const docs = await get('/docs');
    expect([docs.status, await docs.text()]).toEqual([200, '<html>']);
  });

  it('turns a route that throws into a 500 naming the path and the error, and keeps serving', async () => {
    const metrics = await get('/metrics');
    expect([metrics.status, await metrics.json()]).toEqual([500, { error: '/metrics failed: collector broke' }]);
    expect((await get('/health')).status).toBe(200);
  });

  it('refuses other methods and unknown paths with a reason', async () => {
    const post = await get('/ready', { method: 'POST', body: 'x' });
    expect([post.status, await post.json()]).toEqual([405, { error: 'POST is not served here; GET only' }]);
    const unknown = await get('/nope');
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'no operations endpoint /nope: /health, /ready, /metrics' }]);
  });

  it('reports the real port when asked for port 0', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });
});
