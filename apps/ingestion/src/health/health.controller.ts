import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
  ready(): Record<string, unknown> {
    const r = readinessBody(this.readiness.state());
    if (!r.ready) throw new ServiceUnavailableException(r.body);
    return r.body;
  }
}

/** What /ready answers, on the webhook port and on the operations port alike. */
export function readinessBody(r: ReturnType<ReadinessService['state']>): { ready: boolean; body: Record<string, unknown> } {
  const age = { institutesAgeMs: r.institutesAgeMs, institutesMaxStalenessMs: r.institutesMaxStalenessMs };
  return r.ready
    ? { ready: true, body: { status: 'ready', institutes: r.institutes, ...age } }
    : { ready: false, body: { status: 'not ready', problems: r.problems, ...age } };
}
