/** Default topic names; both apps read the actual names from config (KAFKA_*_TOPIC). */
export const DEFAULT_EVENTS_TOPIC = 'wise.events.v1';
export const DEFAULT_QUARANTINE_TOPIC = 'wise.quarantine.v1';
