import { createServer } from 'node:net';

/**
 * Ports this process has handed out: the kernel may give a port it just freed to the next
 * listen(0), so two calls in a row (an app's PORT and OPS_PORT) could otherwise get the same one.
 */
const handedOut = new Set<number>();

/** A TCP port free on 127.0.0.1 right now (for a child process or a private service), never one handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
