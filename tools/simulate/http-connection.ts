import { connect, Socket } from 'node:net';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class HttpTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'HttpTimeoutError';
  }
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** A complete HTTP/1.1 request, built once and written as is (no per-send allocation). */
export function buildRequest(url: URL, method: string, path: string, headers: Record<string, string>, body: Buffer | string): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += `content-length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time: the cheapest client there is
 * in Node (no per-request objects beyond a timer and a promise), so that a load generator on the
 * same two cores as the server under test takes as little CPU from it as possible. Reconnects on
 * the next request after the server closed the connection or a request timed out.
 */
export class HttpConnection {
  private socket: Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve: (r: HttpResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;

  constructor(private readonly url: URL) {}

  request(raw: Buffer, timeoutMs: number): Promise<HttpResponse> {
    if (this.pending) return Promise.reject(new Error('HttpConnection carries one request at a time'));
    return new Promise<HttpResponse>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new HttpTimeoutError(timeoutMs)), timeoutMs);
      this.pending = { resolve, reject, timer };
      this.open().write(raw);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = connect({ host: this.url.hostname, port: Number(this.url.port || 80), noDelay: true });
    this.buffer = Buffer.alloc(0);
    // Events of a socket already replaced (closed after a timeout) must not touch the new one.
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.tryComplete();
    });
    socket.on('error', (e) => {
      if (this.socket === socket) this.fail(e);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.fail(new Error('connection closed by the server'));
    });
    this.socket = socket;
    return socket;
  }

  private fail(e: Error): void {
    const p = this.pending;
    if (p) {
      this.pending = null;
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.close();
  }

  private tryComplete(): void {
    const p = this.pending;
    if (!p) return;
    const headEnd = this.buffer.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const lines = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const start = headEnd + 4;
    let end: number;
    let body: Buffer;
    if (headers['transfer-encoding']?.includes('chunked')) {
      const parsed = dechunk(this.buffer, start);
      if (!parsed) return;
      [body, end] = parsed;
    } else {
      end = start + Number(headers['content-length'] ?? 0);
      if (this.buffer.length < end) return;
      body = this.buffer.subarray(start, end);
    }
    this.buffer = this.buffer.subarray(end);
    this.pending = null;
    clearTimeout(p.timer);
    if (headers.connection === 'close') this.close();
    p.resolve({ status, headers, body });
  }
}

/** A chunked body starting at `from`: [body, index after it], or null while incomplete. */
function dechunk(buf: Buffer, from: number): [Buffer, number] | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) {
      const end = buf.indexOf(HEAD_END, eol);
      return end < 0 ? null : [Buffer.concat(parts), end + 4];
    }
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
