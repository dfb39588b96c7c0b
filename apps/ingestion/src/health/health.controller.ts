import { Controller, Get, Header, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Metrics } from '@wise/observability';
import { ReadinessService } from './readiness.service';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService, private readonly metrics: Metrics) {}

  @Get('health')
  @ApiOperation({ summary: 'The process is alive' })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Kafka reachable and institutes loaded; 503 with the reasons otherwise' })
  ready(): { status: 'ready'; institutes: number } {
    const r = this.readiness.state();
    if (!r.ready) throw new ServiceUnavailableException({ status: 'not ready', problems: r.problems });
    return { status: 'ready', institutes: r.institutes };
  }

  @Get('metrics')
  @HttpCode(200)
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
