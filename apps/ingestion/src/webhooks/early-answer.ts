import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * An answer sent before its request's body has all arrived (the guard's 401, 413, 415 and 503,
 * a 503 for want of room mid-body, Fastify's own 413 of a chunked body) must not close the
 * connection under a sender that is still writing. Closed with unread bytes in its buffer, the
 * kernel resets the connection, and the sender sees EPIPE or ECONNRESET instead of the answer it
 * was sent (RFC 9112, section 9.6). Node closes right after the answer when the request said
 * `Connection: close` (or Fastify asked to close after a body error), so such an answer is sent
 * without a Connection header and keeps the connection open. Node reads and drops the rest of the
 * body, within REQUEST_TIMEOUT_MS, after which it closes the connection itself. Once the body is
 * all in, the connection is half-closed if the sender asked to close. The sender has its answer
 * either way, and one that stops writing on an early answer (curl does) can.
 */
export function keepOpenWhileBodyArrives(req: IncomingMessage, reply: FastifyReply): void {
  if (req.complete) return;
  const res = reply.raw;
  const senderAskedToClose = !res.shouldKeepAlive;
  // Fastify keeps its own headers until it writes them, Node's only the ones already set.
  reply.removeHeader('connection');
  res.removeHeader('connection');
  res.shouldKeepAlive = true;
  if (!senderAskedToClose) return;
  let bodyIn = false;
  let answerSent = false;
  const closeWhenBoth = () => {
    if (bodyIn && answerSent && !req.socket.destroyed) req.socket.end();
  };
  req.once('end', () => {
    bodyIn = true;
    closeWhenBoth();
  });
  res.once('finish', () => {
    answerSent = true;
    closeWhenBoth();
  });
}

/** For every route: an unknown path can be sent a large body too. */
export function installEarlyAnswers(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (req, reply, payload, done) => {
    keepOpenWhileBodyArrives(req.raw, reply);
    done(null, payload);
  });
}
