import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from './logger';

// A caller's request id is kept (to follow a request across systems) when it is a plain token.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request: the caller's `x-request-id` when it is a plain token, else a random UUID
 * (unique across replicas). For the HTTP server's `genReqId`.
 */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What the access line needs of a finished request (the shape of Fastify's request and reply). */
export interface FinishedRequest {
  id: string;
  method: string;
  url: string;
}
export interface FinishedReply {
  statusCode: number;
  elapsedTime: number;
}

/**
 * One access line per HTTP request, when it finished: `request completed` (`request failed` at
 * warn for a 5xx) with requestId, method, url, the app's own fields (`fieldsOf`, from the path),
 * status and latencyMs. Never a header: any header may carry an institute's key.
 *
 * A Fastify onResponse hook rather than nestjs-pino's pino-http middleware: the middleware (Nest's
 * middleware chain, an AsyncLocalStorage context and two child loggers per request) cost about
 * 140 µs of CPU per request on this machine, more than the rest of a bare request; this costs
 * about nothing (see docs/operations.md, "Logs").
 */
export function accessLogger(logger: Logger, fieldsOf: (url: string) => Record<string, unknown> = () => ({})) {
  return (req: FinishedRequest, reply: FinishedReply): void => {
    // Below info (LOG_LEVEL=warn) the line of a request that did not fail is never written: not
    // building it saves a regex, a decode and an object per request.
    if (reply.statusCode < 500 && !logger.pino.isLevelEnabled('info')) return;
    const fields = {
      requestId: req.id,
      method: req.method,
      url: req.url,
      ...fieldsOf(req.url),
      status: reply.statusCode,
      latencyMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (reply.statusCode >= 500) logger.warn('request failed', fields);
    else logger.info('request completed', fields);
  };
}
