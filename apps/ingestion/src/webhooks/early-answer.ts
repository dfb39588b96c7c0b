import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * An answer sent before its request's body has all arrived (the guard's 401, 413, 415 and 503,
 * a 503 for want of room mid-body, Fastify's own 413 of a chunked body) must not close the
 * connection under a sender that is still writing. Closed with unread bytes in its buffer, the
 * kernel resets the connection, and the sender sees EPIPE or ECONNRESET instead of the answer it
 * was sent (RFC 9112, section 9.6). Node closes right after the answer when the request said
 * `Connection: close`, and Fastify asks to close after a body it stopped reading.
 *
 * So such an answer goes without a Connection header, and Node keeps the connection and reads and
 * drops the rest of the body. Once the body is in, the connection is half-closed if the sender
 * asked to close (or the server is shutting down), and is otherwise ready for the sender's next
 * request. A body that is not in by the request's deadline (REQUEST_TIMEOUT_MS from its start)
 * has its connection destroyed: Node's own check of that deadline stops with `server.close()`,
 * and would write a 408 after the answer already sent.
 *
 * The answer is sent before the body is in, not after: a sender that stops writing when it gets
 * an early answer (curl does) then need not send the rest.
 */
export function keepOpenWhileBodyArrives(req: IncomingMessage, reply: FastifyReply, requestTimeoutMs: number, closing: boolean): void {
  // A bodyless request is not complete yet when answered from the 'request' event (Node parses
  // the message's end after it), but has nothing left to send.
  if (req.complete || !hasBody(req)) return;
  const res = reply.raw;
  const closeAfter = !res.shouldKeepAlive || closing;
  if (closeAfter || reply.hasHeader('connection')) {
    // Fastify keeps its own headers until it writes them, Node only the ones already set.
    reply.removeHeader('connection');
    res.removeHeader('connection');
    res.shouldKeepAlive = true;
  }
  const socket = req.socket;
  // Cleared once the body is in: the connection may then serve the sender's next request. On a
  // connection already gone, destroy() does nothing.
  const deadline = setTimeout(() => socket.destroy(), Math.max(0, requestTimeoutMs - reply.elapsedTime));
  deadline.unref();
  req.once('end', () => clearTimeout(deadline));
  if (!closeAfter) return;
  // Whichever of the two comes last closes. (A response's writableFinished also waits on its
  // socket's buffer, which 'finish' does not, hence the flag.)
  let answerSent = false;
  const closeOnceDone = () => {
    if (req.readableEnded && answerSent && !socket.destroyed) socket.end();
  };
  req.once('end', closeOnceDone);
  res.once('finish', () => {
    answerSent = true;
    closeOnceDone();
  });
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** For every route: an unknown path can be sent a large body too. */
export function installEarlyAnswers(fastify: FastifyInstance, requestTimeoutMs: number): void {
  fastify.addHook('onSend', (req, reply, payload, done) => {
    keepOpenWhileBodyArrives(req.raw, reply, requestTimeoutMs, !fastify.server.listening);
    done(null, payload);
  });
}
