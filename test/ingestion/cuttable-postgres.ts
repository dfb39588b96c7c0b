import { connect, createServer, Server, Socket } from 'node:net';

/** A TCP relay to PostgreSQL that a test can cut, as a network failure would (the server stays up). */
export class CuttablePostgres {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
  /** DATABASE_URL of `env`, through this relay. */
  url(direct: string): string {
    return direct.replace('127.0.0.1:5432', `127.0.0.1:${this.port}`);
  }
}
