/**
 * ClickHouse errors by kind. 18.16 writes "Code: 62, e.displayText() = ..." which the JS client
 * does not parse into `code`, so the code is read from either form here, once.
 */
export function clickhouseErrorCode(e: unknown): number | null {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (err && typeof err.code === 'string' && /^\d+$/.test(err.code)) return Number(err.code);
  const m = typeof err?.message === 'string' ? /Code: (\d+)[,.]/.exec(err.message) : null;
  return m ? Number(m[1]) : null;
}

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

const NETWORK_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** True when retrying the same request later may succeed (server away, overloaded, network cut). */
export function isTransientClickhouseError(e: unknown): boolean {
  const err = e as { code?: unknown; cause?: unknown; name?: unknown; message?: unknown } | null;
  if (!err) return false;
  if (typeof err.code === 'string' && NETWORK_ERRNO.has(err.code)) return true;
  if (err.cause && err.cause !== e && isTransientClickhouseError(err.cause)) return true;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true;
  if (typeof err.message === 'string' && /socket hang up|Timeout error|ECONNREFUSED|ECONNRESET/.test(err.message)) return true;
  const code = clickhouseErrorCode(e);
  return code !== null && TRANSIENT_CODES.has(code);
}
