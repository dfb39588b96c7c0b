import { Body, Controller, HttpCode, Param, Post, Req, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DEFAULT_KEY_HEADER } from '@wise/contracts';
import { WebhookAnswer, WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller('webhooks/wise')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':institute')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Receive one Wise webhook for an institute',
    description:
      'Answers 200 only after the event (or, for an authenticated body that is not a valid Wise event, its quarantine record) is acknowledged by Kafka with acks=all.',
  })
  @ApiParam({ name: 'institute', description: 'The institute slug registered with `npm run cli -- institutes add`' })
  @ApiHeader({
    name: DEFAULT_KEY_HEADER,
    required: false,
    description:
      "The institute's key, in the header pinned for the institute, or (learning mode, no header pinned) in any header, also as `Authorization: Bearer <key>`",
  })
  @ApiBody({
    description: 'The Wise webhook body, `{"event": "<Name>", "payload": {...}}`, kept byte for byte',
    schema: { type: 'object' },
  })
  @ApiResponse({ status: 200, description: 'Stored: `{status: "accepted"|"quarantined", eventId, reason?}`' })
  @ApiResponse({ status: 401, description: 'Unknown or disabled institute, missing or wrong key; nothing stored' })
  @ApiResponse({ status: 413, description: 'Body larger than BODY_LIMIT_BYTES; nothing stored' })
  @ApiResponse({
    status: 415,
    description: 'Content-Encoding other than identity (gzip, deflate, ...); nothing stored, send it uncompressed',
  })
  @ApiResponse({
    status: 503,
    description:
      'Kafka did not acknowledge in time, the queue for Kafka is full, institutes not loaded from PostgreSQL yet, or keys could not be reloaded for INSTITUTES_MAX_STALENESS_MS; nothing promised, retry (Retry-After)',
  })
  receive(@Param('institute') institute: string, @Req() req: FastifyRequest, @Body() body: unknown): Promise<WebhookAnswer> {
    // The guard (webhook-guard.ts) authenticated this request before its body was read.
    if (req.wiseInstitute !== institute) throw new UnauthorizedException(`missing or wrong key for institute ${JSON.stringify(institute)}`);
    return this.webhooks.receive(institute, body);
  }
}
