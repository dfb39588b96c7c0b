/**
 * Whether `e`, or an error it wraps, carries one of the broker's error codes (kafkajs's `type`,
 * e.g. UNKNOWN_TOPIC_OR_PARTITION). kafkajs's retrier wraps the broker's error in a
 * KafkaJSNonRetriableError whose `cause` holds it, so the type is looked for down the chain.
 */
export function hasBrokerError(e: unknown, types: readonly string[]): boolean {
  let cur = e as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (cur.type && types.includes(cur.type)) return true;
    cur = (cur.cause ?? cur.originalError) as typeof cur;
  }
  return false;
}
