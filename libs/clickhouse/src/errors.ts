/**
 * ClickHouse errors by kind, decided by the server's error code wherever there is one. 18.16 writes
 * "Code: 62, e.displayText() = ..." which the JS client does not parse into `code`, so the code is
 * read from either form here, once: that is the one place a message is read for a code.
 */
export function clickhouseErrorCode(e: unknown): number | null {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (err && typeof err.code === 'string' && /^\d+$/.test(err.code)) return Number(err.code);
  const m = typeof err?.message === 'string' ? /Code: (\d+)[,.]/.exec(err.message) : null;
  return m ? Number(m[1]) : null;
}

/**
 * - transient: try the same request again later (server away, overloaded, network cut);
 * - row: the server refuses the rows themselves (a value its column cannot hold), so retrying the
 *   same rows can never succeed; isolate them;
 * - other: neither (schema missing, permissions, a bug): retrying may work once someone acts.
 */
export type ClickHouseErrorKind = 'transient' | 'row' | 'other';

// Server codes that say "try again later", not "your data is wrong".
const TRANSIENT_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE (connection cut)
  159, // TIMEOUT_EXCEEDED
  164, // READONLY (replica read-only for a while)
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
]);

// Server codes that blame the rows themselves, not the server.
const ROW_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE, e.g. a lone UTF-16 surrogate that JSON.parse accepted
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  130, // CANNOT_READ_ARRAY_FROM_TEXT
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
]);

// Node's errno codes for a connection that could not be made or was cut.
const NETWORK_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** The client's own request timeout is a plain Error with no code: its exact message is all there is. */
const CLIENT_TIMEOUT_MESSAGE = 'Timeout error.';

function isNetworkFailure(e: unknown, depth = 0): boolean {
  const err = e as { code?: unknown; cause?: unknown; name?: unknown; message?: unknown } | null;
  if (!err || typeof err !== 'object') return false;
  if (typeof err.code === 'string' && NETWORK_ERRNO.has(err.code)) return true;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true;
  if (err.message === CLIENT_TIMEOUT_MESSAGE) return true;
  return depth < 5 && err.cause !== undefined && err.cause !== e && isNetworkFailure(err.cause, depth + 1);
}

/** What kind of failure `e` is; see ClickHouseErrorKind. */
export function classifyClickHouseError(e: unknown): ClickHouseErrorKind {
  const code = clickhouseErrorCode(e);
  if (code !== null) return ROW_CODES.has(code) ? 'row' : TRANSIENT_CODES.has(code) ? 'transient' : 'other';
  return isNetworkFailure(e) ? 'transient' : 'other';
}
