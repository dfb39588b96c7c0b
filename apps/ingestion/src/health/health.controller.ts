import { Controller, Get, Header, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Metrics } from '@wise/observability';
import { ReadinessService } from './readiness.service';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('health')
  @ApiOperation({ summary: 'The process is alive' })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Kafka reachable and institutes loaded within INSTITUTES_MAX_STALENESS_MS; 503 with the reasons otherwise' })
  ready(): { status: 'ready'; institutes: number; institutesAgeMs: number | null; institutesMaxStalenessMs: number } {
    const r = this.readiness.state();
    if (!r.ready)
      throw new ServiceUnavailableException({
        status: 'not ready',
        problems: r.problems,
        institutesAgeMs: r.institutesAgeMs,
        institutesMaxStalenessMs: r.institutesMaxStalenessMs,
      });
    return {
      status: 'ready',
      institutes: r.institutes,
      institutesAgeMs: r.institutesAgeMs,
      institutesMaxStalenessMs: r.institutesMaxStalenessMs,
    };
  }
}

/** Served on OPS_PORT only: what an operator or Prometheus reads, never the public webhook port. */
@ApiTags('operations')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @HttpCode(200)
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
