import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Several ingestion processes behind one port, as a load balancer puts them (Node 20 has no
 * SO_REUSEPORT: `reusePort` came with Node 22.12). Each client connection goes to the next backend
 * in turn, or to the one after if that refuses; bytes are piped both ways untouched.
 */
export class RoundRobinProxy {
  /** Connections handed to each backend port. */
  readonly connections = new Map<number, number>();
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly backends: number[],
  ) {
    for (const b of backends) this.connections.set(b, 0);
  }

  static async start(backends: number[]): Promise<RoundRobinProxy> {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    const proxy = new RoundRobinProxy(server, port, backends);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    this.forward(client, 0);
  }

  /** Connects `client` to the next backend; a refusal moves on to the one after, up to all of them. */
  private forward(client: Socket, tried: number): void {
    const backend = this.backends[this.next++ % this.backends.length];
    const upstream = connect(backend, '127.0.0.1');
    let connected = false;
    this.sockets.add(upstream);
    upstream.once('connect', () => {
      connected = true;
      this.connections.set(backend, (this.connections.get(backend) ?? 0) + 1);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.on('error', () => undefined);
    upstream.once('close', () => {
      this.sockets.delete(upstream);
      if (connected || client.destroyed) client.destroy();
      else if (tried + 1 < this.backends.length) this.forward(client, tried + 1);
      else client.destroy();
    });
    client.once('close', () => upstream.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
