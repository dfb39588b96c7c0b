import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { hasBrokerError } from './broker-error';

const protocolError = (type: string) => new KafkaJSProtocolError({ type, message: type, code: 0 } as unknown as Error);

describe('hasBrokerError', () => {
  it("finds the broker's error type on the error itself or under kafkajs's retrier wrapper", () => {
    const unknown = protocolError('UNKNOWN_TOPIC_OR_PARTITION');
    expect(hasBrokerError(unknown, ['UNKNOWN_TOPIC_OR_PARTITION'])).toBe(true);
    expect(hasBrokerError(Object.assign(new KafkaJSNonRetriableError(unknown), { cause: unknown }), ['UNKNOWN_TOPIC_OR_PARTITION'])).toBe(
      true,
    );
  });

  it('is false for other types, errors without one, and nothing', () => {
    expect(hasBrokerError(protocolError('NOT_CONTROLLER'), ['UNKNOWN_TOPIC_OR_PARTITION'])).toBe(false);
    expect(hasBrokerError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'), ['UNKNOWN_TOPIC_OR_PARTITION'])).toBe(
      false,
    );
    expect(hasBrokerError(undefined, ['UNKNOWN_TOPIC_OR_PARTITION'])).toBe(false);
  });
});
