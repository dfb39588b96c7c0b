import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';

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

@Catch(RetryLaterException)
export class RetryLaterFilter implements ExceptionFilter {
  catch(exception: RetryLaterException, host: ArgumentsHost): void {
    const reply = host
      .switchToHttp()
      .getResponse<{ header: (k: string, v: string) => unknown; status: (n: number) => { send: (b: unknown) => void } }>();
    reply.header('retry-after', String(exception.retryAfterSeconds));
    reply.status(503).send(exception.getResponse());
  }
}
