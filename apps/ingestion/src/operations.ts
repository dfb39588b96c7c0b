import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { jsonAnswer, metricsAnswer, Metrics, OperationsServer, type OpsAnswer, type OperationsRoutes } from '@wise/observability';
import { readinessBody } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';

/**
 * The operations port (OPS_PORT): /health, /ready, /metrics, and the API description, /docs
 * (Swagger UI) and /docs-json. Kept off the public webhook port, where anyone on the internet could
 * read metrics.
 */
export function ingestionOperations(readiness: ReadinessService, metrics: Metrics, document: OpenAPIObject): OperationsRoutes {
  return {
    health: () => jsonAnswer(200, { status: 'ok' }),
    ready: () => {
      const r = readinessBody(readiness.state());
      return jsonAnswer(r.ready ? 200 : 503, r.body);
    },
    metrics: () => metricsAnswer(metrics),
    other: (path) => apiDocs(path, document),
  };
}

const UI_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Wise webhook ingestion</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body>
</html>`;
const UI_INIT = `window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#swagger-ui' });`;
const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };

/** Swagger UI's own files: swagger-ui-dist, as @nestjs/swagger (which depends on it) finds it. */
const uiAssets = (): string => dirname(createRequire(require.resolve('@nestjs/swagger')).resolve('swagger-ui-dist/package.json'));

async function apiDocs(path: string, document: OpenAPIObject): Promise<OpsAnswer | undefined> {
  const text = (contentType: string, body: string): OpsAnswer => ({ status: 200, contentType, body: Buffer.from(body) });
  if (path === '/docs' || path === '/docs/') return text('text/html; charset=utf-8', UI_PAGE);
  if (path === '/docs-json') return jsonAnswer(200, document);
  if (path === '/docs/init.js') return text('text/javascript', UI_INIT);
  // One file name of the package's top folder, nothing that could climb out of it.
  const asset = /^\/docs\/([A-Za-z0-9_.-]+)$/.exec(path)?.[1];
  const type = asset && !asset.startsWith('.') ? ASSET_TYPES[asset.slice(asset.lastIndexOf('.'))] : undefined;
  if (!asset || !type) return undefined;
  try {
    return { status: 200, contentType: type, body: await readFile(join(uiAssets(), asset)) };
  } catch {
    return undefined;
  }
}

/** The operations server of this process: its routes are set when the app is built, it listens when main says, and closes with the app. */
@Injectable()
export class OperationsPort implements OnApplicationShutdown {
  private routes: OperationsRoutes | null = null;
  private server: OperationsServer | null = null;

  serve(routes: OperationsRoutes): void {
    this.routes = routes;
  }

  async listen(port: number, host: string): Promise<OperationsServer> {
    if (!this.routes) throw new Error('the operations routes were not set: createIngestionApp sets them');
    this.server = await OperationsServer.listen(this.routes, port, host);
    return this.server;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}
