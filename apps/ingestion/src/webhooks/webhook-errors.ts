import { HttpException, HttpStatus } from '@nestjs/common';

/** What a 503 asks Wise to wait before retrying. */
export const RETRY_AFTER_SECONDS = 30;

/**
 * Kafka could not take the event in time, or PostgreSQL could not give a timeless event its id:
 * Wise must retry, so the answer is 503, never 200.
 */
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
