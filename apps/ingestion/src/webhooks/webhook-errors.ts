import { HttpException, HttpStatus } from '@nestjs/common';

/** Kafka could not take the event in time: Wise must retry, so the answer is 503, never 200. */
export class RetryLaterException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    reason: string,
  ) {
    super(
      { statusCode: 503, error: 'Service Unavailable', message: `event not stored: ${reason}; retry later` },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}
