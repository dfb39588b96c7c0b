import { connect, type Socket } from 'node:net';

/** What the server said on one connection: its status (0 before any answer) and whole text. */
export interface Answer {
  status: number;
  text: string;
}

/**
 * One HTTP/1.1 POST written by hand over a raw socket, so that a test decides when each byte of
 * the body goes out: headers now, the body in pieces later or never. `length` declares a
 * Content-Length; without it the body goes chunked (Transfer-Encoding), with no length declared.
 */
export class SlowUpload {
  private data = '';
  private readonly socket: Socket;
  private readonly closed: Promise<void>;
  private readonly chunked: boolean;
  /** Body bytes written so far. */
  sent = 0;
  /** The connection's error (ECONNRESET, EPIPE), if it had one. */
  error: string | null = null;

  constructor(url: string, path: string, headers: Record<string, string>, length?: number) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    // A reset after the answer is part of what is tested: recorded, not thrown.
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      this.error = e.code ?? e.message;
    });
    this.socket.on('data', (d: Buffer) => {
      this.data += d.toString('latin1');
    });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    const framing = length === undefined ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(length) };
    const head = Object.entries({ host: 'wise.test', ...framing, ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    this.chunked = length === undefined;
    this.socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
  }

  /** Writes `bytes` more of the body (one chunk when chunked); false once the server closed. */
  send(bytes: Buffer | string): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    const body = Buffer.from(bytes);
    this.socket.write(this.chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]) : body);
    this.sent += body.length;
    return true;
  }

  /** Writes bytes as they are, outside the body's framing: the next request on this connection. */
  writeRaw(bytes: Buffer | string): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(bytes);
  }

  /** Ends a chunked body (the zero-length chunk). */
  finish(): void {
    if (this.chunked && !this.socket.destroyed) this.socket.write('0\r\n\r\n');
  }

  /** The answer so far (status 0 while none came). */
  get answer(): Answer {
    return { status: Number(this.data.slice(9, 12)) || 0, text: this.data };
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** Resolves with the answer once its head and body are in, or the connection closed. */
  async answered(timeoutMs: number): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.complete() || this.socket.destroyed) return this.answer;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.answer;
  }

  private complete(): boolean {
    const end = this.data.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const length = /\r\ncontent-length: *(\d+)/i.exec(this.data.slice(0, end));
    return length !== null && this.data.length - end - 4 >= Number(length[1]);
  }

  /** Whether the connection closed (by either side) within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
  }

  /** The client goes away mid-body. */
  abort(): void {
    this.socket.destroy();
  }
}
