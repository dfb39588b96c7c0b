import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DEFAULT_KEY_HEADER } from '@wise/contracts';
import { WebhookAnswer, WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller('webhooks/wise')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':institute')
  @HttpCode(200)
  @ApiOperation({ summary: 'Receive one Wise webhook for an institute', description: 'Answers 200 only after the event (or, for an authenticated body that is not a valid Wise event, its quarantine record) is acknowledged by Kafka with acks=all.' })
  @ApiParam({ name: 'institute', description: 'The institute slug registered with `npm run cli -- institutes add`' })
  @ApiHeader({ name: DEFAULT_KEY_HEADER, required: true, description: "The institute's key; the header name is configurable per institute" })
  @ApiBody({ description: 'The Wise webhook body, `{"event": "<Name>", "payload": {...}}`, kept byte for byte', schema: { type: 'object' } })
  @ApiResponse({ status: 200, description: 'Stored: `{status: "accepted"|"quarantined", eventId, reason?}`' })
  @ApiResponse({ status: 401, description: 'Unknown or disabled institute, missing or wrong key; nothing stored' })
  @ApiResponse({ status: 413, description: 'Body larger than BODY_LIMIT_BYTES; nothing stored' })
  @ApiResponse({ status: 503, description: 'Kafka did not acknowledge in time; nothing promised, retry (Retry-After)' })
  receive(
    @Param('institute') institute: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body() body: unknown,
  ): Promise<WebhookAnswer> {
    return this.webhooks.receive(institute, headers, body);
  }
}
