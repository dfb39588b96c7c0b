import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import type { Logger } from './logger';

// Nest-free on purpose (types only from pino-http): the apps wire these into nestjs-pino's
// LoggerModule, and jest can load this lib without loading Nest (ESM).

export interface AccessLogOptions {
  /** Fields of the access line read from the request path (e.g. the institute of a webhook URL). */
  fieldsOf?: (url: string) => Record<string, unknown>;
}

// A caller's request id is kept (to follow a request across systems) when it is a plain token.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request: the caller's `x-request-id` when it is a plain token, else a random UUID
 * (unique across replicas). For the HTTP server's `genReqId` (Fastify sets `req.id`, which the
 * access log then uses).
 */
export function requestIdOf(req: { headers: IncomingMessage['headers'] }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * One access line per HTTP request, when it finished: `request completed` (or `request failed`
 * for a 5xx) with requestId, method, url, status, latencyMs and the app's own fields. Never a
 * header: any header may carry an institute's key.
 */
export function accessLogOptions(pinoLogger: Logger['pino'], options: AccessLogOptions): Options {
  type Req = IncomingMessage & { id?: unknown };
  const line = (req: Req, res: ServerResponse, latencyMs: unknown) => ({
    method: req.method,
    url: req.url,
    ...options.fieldsOf?.(req.url ?? ''),
    status: res.statusCode,
    latencyMs,
  });
  return {
    logger: pinoLogger,
    genReqId: requestIdOf,
    // Bind only the request id to the request's loggers, and log our own line shape.
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'latencyMs' },
    serializers: { req: (req: Req) => ({ id: req.id, method: req.method, url: req.url }) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessMessage: () => 'request completed',
    customSuccessObject: (req, res, val: { latencyMs?: number }) => line(req, res, val.latencyMs),
    customErrorMessage: () => 'request failed',
    customErrorObject: (req, res, err, val: { latencyMs?: number }) => ({ ...line(req, res, val.latencyMs), error: err }),
  };
}
