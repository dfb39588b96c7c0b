import { isUtf8 } from 'node:buffer';
import { duplicateKeyReason, findDuplicateKey, keyCountUpperBound } from './duplicate-keys';
import { extractLinks, orderingEntityOf, type EventLinks } from './event-links';
import { isWiseEventName, WISE_EVENT_NAMES, type WiseEventName } from './event-names';
import { formatIssues } from './format-issues';
import { WISE_EVENT_SCHEMAS, type WiseEventBody } from './wise-event-schemas';

export type { EventLinks } from './event-links';

/** A body that passed its event's schema, typed by it; one member per event, told apart by eventName. */
export type ParsedWiseBody = {
  [N in WiseEventName]: {
    ok: true;
    eventName: N;
    /** The validated body, for reading only: the raw bytes stay the record. */
    body: WiseEventBody<N>;
    links: EventLinks;
    /** The id whose order matters (Kafka key, after the institute); null if the event has none. */
    orderingEntity: string | null;
  };
}[WiseEventName];

export type ParseResult = ParsedWiseBody | { ok: false; reason: string; eventName: string | null };

/** Far deeper than any Wise body (about six levels); bounds the recursive copy below. */
const MAX_DEPTH = 64;

const MAX_NAME_IN_REASON = 100;

/**
 * Reads one webhook body: JSON, envelope, event name, that event's schema, then its links.
 * Never throws for bad input: every rejection is a result with a reason fit for the quarantine.
 */
export function parseWiseBody(raw: Buffer | string): ParseResult {
  // Decoding would replace invalid bytes with U+FFFD and so change what was sent; the raw bytes
  // are kept in the quarantine instead (base64), with this reason.
  if (typeof raw !== 'string' && !isUtf8(raw)) return fail('body is not valid UTF-8 (JSON must be UTF-8; the raw bytes are kept)', null);
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  // A leading byte-order mark is an encoding artefact, not content; JSON.parse rejects it.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    return fail(`body is not valid JSON: ${jsonSyntaxProblem(e)}`, null);
  }
  if (!isRecord(parsed)) return fail(`body is not a JSON object (got ${kindOf(parsed)})`, null);

  // Before anything reads a field: with a repeated key, which value is "the" field depends on the
  // reader (duplicate-keys.ts), the event name included.
  const shape = walk(parsed, MAX_DEPTH);
  if (shape.keys !== keyCountUpperBound(json)) {
    const repeated = findDuplicateKey(json);
    if (repeated) {
      const named = typeof own(parsed, 'event') === 'string' && !(repeated.path.length === 0 && repeated.key === 'event');
      return fail(duplicateKeyReason(repeated), named ? (parsed.event as string) : null);
    }
  }

  const event = own(parsed, 'event');
  if (event === undefined) return fail('body has no "event" field', null);
  if (typeof event !== 'string') return fail(`body's "event" is not a string (got ${kindOf(event)})`, null);
  if (!isWiseEventName(event)) {
    const shown = JSON.stringify(event.length > MAX_NAME_IN_REASON ? `${event.slice(0, MAX_NAME_IN_REASON)}…` : event);
    return fail(`unknown event name ${shown} (known: ${WISE_EVENT_NAMES.length} Wise events)`, event);
  }
  const payload = own(parsed, 'payload');
  if (payload === undefined) return fail(`${event}: body has no "payload" field`, event);
  if (!isRecord(payload)) return fail(`${event}: body's "payload" is not an object (got ${kindOf(payload)})`, event);

  if (shape.tooDeep) return fail(`${event}: body nests deeper than ${MAX_DEPTH} levels`, event);
  // JSON.parse output is safe to read as long as Object.prototype is clean (nothing can then be
  // inherited); the null-prototype copy is the slow path for a process where something polluted
  // it. Validating V8's fast plain objects costs about half of validating dictionary-mode copies.
  const safe = prototypeIsClean() ? parsed : nullPrototypeCopy(parsed, 0);

  const result = WISE_EVENT_SCHEMAS[event].safeParse(safe, { reportInput: true });
  if (!result.success) return fail(`${event}: ${formatIssues(result.error.issues)}`, event);

  // Links and body are what was validated, not zod's output: with a clean prototype (or the
  // null-prototype copy) an absent field can never be answered by an inherited one.
  const body = safe as WiseEventBody;
  const links = extractLinks(event, body);
  return { ok: true, eventName: event, body, links, orderingEntity: orderingEntityOf(event, links) } as ParsedWiseBody;
}

// V8's messages quote up to ~30 characters of the body ("Unexpected token 's', "{"email": "ann@…"
// is not valid JSON"); reasons are logged and kept in the quarantine table, so only the kind of
// mistake and its position are kept, never text from the body.
const JSON_PROBLEMS: Array<[RegExp, string]> = [
  [/^Unexpected end of JSON input/, 'unexpected end of input'],
  [/^Unexpected token/, 'unexpected character'],
  [/^Unexpected non-whitespace character after JSON/, 'unexpected data after the JSON value'],
  [/^Expected property name/, 'expected a property name'],
  [/^Expected double-quoted property name/, 'expected a double-quoted property name'],
  [/^Expected ',' or '\}'/, "expected ',' or '}'"],
  [/^Expected ',' or '\]'/, "expected ',' or ']'"],
  [/^Expected ':'/, "expected ':'"],
  [/^Bad control character in string literal/, 'control character inside a string'],
  [/^Bad escaped character/, 'bad escape sequence in a string'],
  [/^Bad Unicode escape/, 'bad \\u escape in a string'],
  [/^Unterminated string/, 'unterminated string'],
  [/^No number after minus sign/, 'no number after a minus sign'],
  [/^Exponent part is missing a number/, 'exponent without digits'],
  [/^Unterminated fractional number/, 'fraction without digits'],
];

function jsonSyntaxProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : '';
  const kind = JSON_PROBLEMS.find(([re]) => re.test(message))?.[1] ?? 'syntax error';
  const at = /at position (\d+)/.exec(message);
  return at ? `${kind} at character ${at[1]}` : kind;
}

function fail(reason: string, eventName: string | null): ParseResult {
  return { ok: false, reason, eventName };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

const TOO_DEEP: unique symbol = Symbol('too deep');

const STANDARD_PROTOTYPE_KEYS = new Set([
  'constructor',
  '__defineGetter__',
  '__defineSetter__',
  'hasOwnProperty',
  '__lookupGetter__',
  '__lookupSetter__',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toString',
  'valueOf',
  '__proto__',
  'toLocaleString',
]);

/** True while Object.prototype has only its standard properties (nothing can be inherited by accident). */
function prototypeIsClean(): boolean {
  const names = Object.getOwnPropertyNames(Object.prototype);
  return (
    names.length === STANDARD_PROTOTYPE_KEYS.size &&
    names.every((n) => STANDARD_PROTOTYPE_KEYS.has(n)) &&
    Object.getOwnPropertySymbols(Object.prototype).length === 0
  );
}

/**
 * One walk of the parsed tree: the keys JSON.parse kept (for the repeated-key check) and whether
 * anything nests deeper than `max`. Iterative, so that no depth of input can overflow the stack
 * before deep bodies are refused; the recursive copy below runs only after that.
 */
function walk(root: object, max: number): { keys: number; tooDeep: boolean } {
  let keys = 0;
  let tooDeep = false;
  const values: object[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth >= max) tooDeep = true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (typeof c === 'object' && c !== null) {
          values.push(c);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in v) {
      keys++;
      const c = (v as Record<string, unknown>)[key];
      if (typeof c === 'object' && c !== null) {
        values.push(c);
        depths.push(depth + 1);
      }
    }
  }
  return { keys, tooDeep };
}

/*
 * The same JSON tree built from null-prototype objects. JSON.parse keeps a "__proto__" key as an
 * own property, but validation must see only own data: on a plain object, a field the sender left
 * out would otherwise be read through Object.prototype, should anything have polluted it. On a
 * null-prototype object, assigning "__proto__" creates an ordinary own property (there is no
 * inherited setter to hit), so nothing is dropped or renamed either.
 */
function nullPrototypeCopy(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = nullPrototypeCopy(v[i], depth + 1);
      if (c === TOO_DEEP) return TOO_DEEP;
      out[i] = c;
    }
    return out;
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    const c = nullPrototypeCopy((v as Record<string, unknown>)[key], depth + 1);
    if (c === TOO_DEEP) return TOO_DEEP;
    out[key] = c;
  }
  return out;
}
