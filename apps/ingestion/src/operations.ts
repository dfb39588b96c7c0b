import { DynamicModule, Injectable, LoggerService, Module, OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Metrics } from '@wise/observability';
import { HealthController, MetricsController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';

@Module({})
class OperationsModule {
  static using(readiness: ReadinessService, metrics: Metrics): DynamicModule {
    return {
      module: OperationsModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: ReadinessService, useValue: readiness },
        { provide: Metrics, useValue: metrics },
      ],
    };
  }
}

/**
 * The operations port (OPS_PORT): /metrics, /docs (Swagger UI, JSON at /docs-json), /health and
 * /ready. Kept off the public webhook port, where anyone on the internet could read metrics.
 */
export async function createOperationsApp(
  readiness: ReadinessService,
  metrics: Metrics,
  document: OpenAPIObject,
  logger: LoggerService,
): Promise<NestFastifyApplication> {
  const ops = await NestFactory.create<NestFastifyApplication>(
    OperationsModule.using(readiness, metrics),
    new FastifyAdapter({ logger: false }),
    { logger },
  );
  SwaggerModule.setup('docs', ops, document, { jsonDocumentUrl: 'docs-json' });
  return ops;
}

/** Closes the operations app with the main one. */
@Injectable()
export class OperationsServer implements OnApplicationShutdown {
  private app: NestFastifyApplication | null = null;
  private url: string | null = null;
  attach(app: NestFastifyApplication): void {
    this.app = app;
  }
  async listen(port: number, host: string): Promise<void> {
    await this.app!.listen(port, host);
    const a = this.app!.getHttpServer().address() as { port: number };
    this.url = `http://${host}:${a.port}`;
  }
  /** e.g. http://127.0.0.1:9463 (the real port when OPS_PORT is 0). */
  address(): string | null {
    return this.url;
  }
  port(): number | null {
    return this.url === null ? null : Number(new URL(this.url).port);
  }
  async onApplicationShutdown(): Promise<void> {
    await this.app?.close();
  }
}
