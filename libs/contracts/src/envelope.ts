import { createHash } from 'node:crypto';
import type { WiseEventBody, WiseEventName } from './events';

/** Version of the envelope below; bump it with a new parser, never change it in place. */
export const ENVELOPE_SCHEMA_VERSION = 1;

/**
 * The head of what ingestion publishes for every accepted webhook: everything but the body, as it
 * travels (the name is the sender's text here; `Envelope` below is the head once its body passed
 * the contract).
 */
export interface EnvelopeHead {
  eventId: string;
  instituteId: string;
  eventName: string;
  /** When ingestion received the request, epoch ms. */
  receivedAt: number;
  /** The event's own time where its payload has one, epoch ms. */
  occurredAt: number | null;
  sessionId: string | null;
  classroomId: string | null;
  userId: string | null;
}

/**
 * One event whose body passed its event's schema: the head plus the body as that schema types it.
 * On the wire the body is the institute's JSON exactly as received (byte for byte: the envelope is
 * spliced around the raw text, never re-serialised). `Envelope<N>` narrows to one event.
 */
export interface Envelope<N extends WiseEventName = WiseEventName> extends Omit<EnvelopeHead, 'eventName'> {
  v: number;
  eventName: N;
  body: WiseEventBody<N>;
}

/** What ingestion keeps for an authenticated body it could not accept as an event. */
export interface QuarantineEnvelope {
  v: number;
  eventId: string;
  instituteId: string;
  /** The sender's event name, cut to MAX_QUARANTINE_NAME_CHARS (the raw body has it whole). */
  eventName: string | null;
  receivedAt: number;
  reason: string;
  /** The raw body: UTF-8 text when it decodes cleanly, else base64, so nothing is lost. */
  raw: string;
  rawEncoding: 'utf8' | 'base64';
}

/**
 * Event identity: Wise sends no id, so a delivery is named by a hash of (institute, raw bytes).
 * A retry of the same delivery resends the same bytes and gets the same id everywhere downstream.
 * A timeless body that Wise sends again as a new event gets a generation of it (resent-bodies.ts).
 */
export function deriveEventId(instituteId: string, raw: Buffer): string {
  return createHash('sha256').update(instituteId).update('\n').update(raw).digest('hex').slice(0, 32);
}

/** Where the body starts in a serialised envelope; the head's JSON never contains it unescaped. */
const BODY_MARK = Buffer.from(',"body":');

/** Serialises an envelope around the raw body text, which must already be known to be valid JSON. */
export function serializeEnvelope(head: EnvelopeHead, rawJson: Buffer): Buffer {
  const meta = JSON.stringify({ v: ENVELOPE_SCHEMA_VERSION, ...head });
  // One buffer written in place (the head without its closing brace, the mark, the body, '}'):
  // this runs for every webhook, and the copies and the concat of three buffers showed in profiles.
  const headBytes = Buffer.byteLength(meta) - 1;
  const out = Buffer.allocUnsafe(headBytes + BODY_MARK.length + rawJson.length + 1);
  out.write(meta, 0, headBytes, 'utf8');
  BODY_MARK.copy(out, headBytes);
  rawJson.copy(out, headBytes + BODY_MARK.length);
  out[out.length - 1] = 0x7d; // }
  return out;
}

/*
 * The sender's own text in a quarantine head is capped: an unknown event name can be nearly the
 * whole body, and kept in full it made the record hold the body twice, outgrow the Kafka record
 * limit and get 503 on every retry. The raw body keeps the full name.
 */
export const MAX_QUARANTINE_NAME_CHARS = 128;
export const MAX_QUARANTINE_REASON_CHARS = 2000;

/** At most `max` UTF-16 units of `s`, never ending in half a surrogate pair, marked when cut. */
export function capText(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return `${s.slice(0, end)}…`;
}

export function serializeQuarantine(head: Omit<QuarantineEnvelope, 'v' | 'raw' | 'rawEncoding'>, raw: Buffer): Buffer {
  const q = {
    ...head,
    eventName: head.eventName === null ? null : capText(head.eventName, MAX_QUARANTINE_NAME_CHARS),
    reason: capText(head.reason, MAX_QUARANTINE_REASON_CHARS),
  };
  const text = raw.toString('utf8');
  // Base64 also when JSON escaping would make the text larger (control characters become \u00XX,
  // six bytes each): the record then never exceeds 4/3 of the body, which Kafka's limits assume.
  const clean = Buffer.from(text, 'utf8').equals(raw) && jsonStringBytes(text) <= Math.ceil(raw.length / 3) * 4;
  const full: QuarantineEnvelope = {
    v: ENVELOPE_SCHEMA_VERSION,
    ...q,
    raw: clean ? text : raw.toString('base64'),
    rawEncoding: clean ? 'utf8' : 'base64',
  };
  return Buffer.from(JSON.stringify(full));
}

function jsonStringBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

/** Kafka key: the institute plus the entity whose events must stay in order on one partition. */
export function kafkaKey(instituteId: string, orderingEntity: string | null, eventId: string): string {
  return `${instituteId}:${orderingEntity ?? eventId}`;
}

export type EnvelopeParse = { ok: true; head: EnvelopeHead & { v: number }; rawBody: Buffer } | { ok: false; reason: string };

/**
 * The projector's edge. Splits the message where serializeEnvelope spliced the body in, so the
 * head is parsed here and the body is handed on byte for byte, to be checked by the same
 * `parseWiseBody` that ingestion used (one contract, both edges, one JSON parse each).
 */
export function parseEnvelope(value: Buffer | null): EnvelopeParse {
  if (!value) return { ok: false, reason: 'empty Kafka message (no value)' };
  // JSON.stringify escapes every quote inside the head's strings, so the first unescaped
  // `,"body":` is the splice point.
  const at = value.indexOf(BODY_MARK);
  if (at < 0 || value[value.length - 1] !== 0x7d)
    return { ok: false, reason: 'envelope has no body field at its end (not written by this ingestion?)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.subarray(0, at).toString('utf8') + '}');
  } catch (e) {
    return { ok: false, reason: `envelope is not valid JSON: ${(e as Error).message}` };
  }
  const env = parsed as Partial<EnvelopeHead & { v: unknown }> | null;
  if (!env || typeof env !== 'object') return { ok: false, reason: 'envelope is not a JSON object' };
  if (env.v !== ENVELOPE_SCHEMA_VERSION)
    return { ok: false, reason: `unsupported envelope version ${JSON.stringify(env.v)} (this projector reads ${ENVELOPE_SCHEMA_VERSION})` };
  for (const f of ['eventId', 'instituteId', 'eventName'] as const) {
    if (typeof env[f] !== 'string' || env[f] === '') return { ok: false, reason: `envelope field ${f} is missing or not a string` };
  }
  // Whole milliseconds, as ingestion's clock gives them: the event store's received_at_ms refuses a
  // fraction, and an event whose facts project but whose `events` row is refused is lost to a rebuild.
  if (typeof env.receivedAt !== 'number' || !Number.isSafeInteger(env.receivedAt))
    return { ok: false, reason: 'envelope field receivedAt is missing or not epoch ms (a whole number of milliseconds)' };
  return { ok: true, head: env as EnvelopeHead & { v: number }, rawBody: value.subarray(at + BODY_MARK.length, value.length - 1) };
}
