import { z } from 'zod';
import { parseWiseTime } from './wise-time';

/*
 * Building blocks shared by the event schemas. Two rules hold for every schema in this folder:
 *  - objects are loose (`wiseObject`): fields nobody asked about are accepted, never rejected,
 *    because Wise's field lists are only partly known and the event log must keep what was sent;
 *  - schemas check and never transform (no defaults, coercions or transforms), so the validated
 *    input already has the inferred type and links can be read from it directly.
 */

/**
 * An object of a Wise body. Unknown fields are accepted, and typed as present (the type of
 * `z.looseObject`): readers get the validated input itself (parseWiseBody), with every field that
 * was sent, and the raw bytes are the record. At run time it is zod's default object, whose
 * output leaves unknown fields out: nothing reads zod's output, and copying every unknown field
 * into it (what `z.looseObject` does) cost about 7 % of ingestion's CPU per webhook in a paired
 * A/B (docs/benchmarks.md).
 */
export function wiseObject<S extends z.core.$ZodLooseShape>(shape: S): z.ZodObject<S, z.core.$loose> {
  return z.object(shape) as unknown as z.ZodObject<S, z.core.$loose>;
}

// The range (1970 to 2106-02-07, what ClickHouse DateTime holds) is explained in wise-time.ts.
const TIME_MESSAGE = 'expected an ISO-8601 time or an epoch number';

/**
 * Ids become Kafka keys and ClickHouse ORDER BY keys, so their length is bounded: Wise ids are 24
 * hex characters and Zoom's about 30; anything longer is not an id and is quarantined.
 */
export const MAX_ID_LENGTH = 128;

/** A Wise id: 24-hex in production, masked in Wise's samples; any non-empty string is accepted. */
export const wiseId = z.string().min(1).max(MAX_ID_LENGTH);

/**
 * Ids Wise leaves empty when they do not apply (the published sample has `paymentOptionId: ""`):
 * checked for type only.
 */
export const optionalRefId = z.string().max(MAX_ID_LENGTH).nullish();

/** Descriptive text (names, titles, emails): checked for type when present. Zoom sends "" for guests. */
export const optionalText = z.string().nullish();

/** A time the analytics cannot do without. */
export const wiseTime = z.custom<string | number>((v) => parseWiseTime(v) !== null, { message: TIME_MESSAGE });

/** A time that may be absent, null or "", but when given must be one. */
export const optionalWiseTime = z
  .custom<string | number | null>((v) => v === null || v === '' || parseWiseTime(v) !== null, {
    message: TIME_MESSAGE,
  })
  .optional();

/** Money as Wise sends it: integer minor units and a currency code, kept exactly as sent. */
export const money = wiseObject({
  value: z.number().int(),
  currency: z.string().min(1),
});

export const classroomRef = wiseObject({
  _id: wiseId,
  name: optionalText,
  subject: optionalText,
});

export const personRef = wiseObject({
  _id: wiseId,
  name: optionalText,
  email: optionalText,
});

/** The `{event, payload}` envelope every Wise body has, with the event name pinned. */
export function wiseEvent<const N extends string, P extends z.ZodType>(name: N, payload: P) {
  return wiseObject({ event: z.literal(name), payload });
}
