import type { FastifyInstance } from 'fastify';
import { accessLogger, Logger } from '@wise/observability';

/** The access line of a webhook names its institute (the slug in POST /webhooks/wise/<institute>). */
export function webhookFields(url: string): Record<string, unknown> {
  const m = /^\/webhooks\/wise\/([^/?#]+)/.exec(url);
  return m ? { institute: decodeURIComponent(m[1]) } : {};
}

/** One access line per request, unknown routes, 401s and 413s included (onResponse sees every reply). */
export function logEachRequest(fastify: FastifyInstance, logger: Logger): void {
  const line = accessLogger(logger, webhookFields);
  fastify.addHook('onResponse', (req, reply, done) => {
    line(req, reply);
    done();
  });
}
