import { z } from 'zod';
import { implausibleTime, parseWiseTime, type TimeKind } from './wise-time';

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

// What parses as a time (up to 2106-02-07, what ClickHouse DateTime holds) is in wise-time.ts,
// and so is the narrower window of plausible times each kind of time must fall in.
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

function checkTime(v: unknown, kind: TimeKind, ctx: z.RefinementCtx): void {
  const ms = parseWiseTime(v);
  const problem = ms === null ? TIME_MESSAGE : implausibleTime(ms, kind);
  // The input is reported so that formatIssues can tell a wrong value from an absent one.
  if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
}

/** A time the analytics cannot do without: when something happened. */
export const wiseTime = z.custom<string | number>().superRefine((v, ctx) => checkTime(v, 'happened', ctx));

/** When something happened, or absent, null or "". */
export const optionalWiseTime = z
  .custom<string | number | null>()
  .superRefine((v, ctx) => {
    if (v !== null && v !== '') checkTime(v, 'happened', ctx);
  })
  .optional();

/** When something is planned for (a scheduled start, a due date), or absent, null or "". */
export const optionalPlannedTime = z
  .custom<string | number | null>()
  .superRefine((v, ctx) => {
    if (v !== null && v !== '') checkTime(v, 'planned', ctx);
  })
  .optional();

/** ISO 4217's shape: three capital letters. "inr" or "Rs" would split one currency's figures in two. */
const CURRENCY_CODE = /^[A-Z]{3}$/;

/** Money as Wise sends it: integer minor units and a currency code, kept exactly as sent. */
export const money = wiseObject({
  value: z.number().int(),
  currency: z.string().regex(CURRENCY_CODE, 'expected a 3-letter ISO 4217 currency code such as "INR"'),
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
