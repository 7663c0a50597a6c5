// API errors with client-go's texts (the Status message, e.g. `pods "web-0" not found`) and
// the classification GetPod retries on.

/** A non-2xx answer. `reason` is the Status reason (NotFound, Conflict, ...). */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  /** The Retry-After header in seconds (429 and 5xx answers), when the server sent one. */
  readonly retryAfterSeconds?: number;
  constructor(status: number, json: unknown, text: string, method: string, url: string, retryAfter?: string | string[]) {
    const st = (json && typeof json === 'object' ? json : {}) as { kind?: string; message?: string; reason?: string };
    const reason = st.kind === 'Status' && st.reason ? st.reason : reasonOf(status);
    let message = st.kind === 'Status' && st.message ? st.message : text.trim() || `the server responded with status ${status} to ${method} ${url}`;
    if (status === 401 && !(st.kind === 'Status' && st.message)) message = 'Unauthorized';
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    // client-go's retryAfterSeconds: a whole number of seconds; a date or junk is ignored.
    const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    if (ra !== undefined && /^\d+$/.test(ra.trim())) this.retryAfterSeconds = Number(ra.trim());
  }
}

function reasonOf(status: number): string {
  switch (status) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return 'Unknown';
  }
}

/** A request that got no answer: connection refused or reset, DNS, TLS, our deadline. */
export class TransportError extends Error {
  readonly code: string;
  constructor(method: string, url: string, cause: NodeJS.ErrnoException) {
    const verb = method[0] + method.slice(1).toLowerCase();
    super(`${verb} ${JSON.stringify(url)}: ${cause.code === 'ETIMEDOUT' ? `context deadline exceeded (${cause.message})` : cause.message}`, { cause });
    this.name = 'TransportError';
    this.code = cause.code ?? '';
  }
}

export function transportError(method: string, url: string, err: unknown): TransportError {
  return new TransportError(method, url, err as NodeJS.ErrnoException);
}

export const isNotFound = (e: unknown) => e instanceof ApiError && e.status === 404;
export const isConflict = (e: unknown) => e instanceof ApiError && e.status === 409;
export const isUnauthorized = (e: unknown) => e instanceof ApiError && e.status === 401;

/**
 * Worth another try within GetPod's budget: upstream's ServiceUnavailable, InternalError,
 * connection reset and refused, plus what a slow or overloaded server answers (429, 504, our
 * own per-request deadline), which upstream turns into an immediate failure.
 */
export function isRetriable(e: unknown): boolean {
  if (e instanceof ApiError) return [429, 500, 503, 504].includes(e.status);
  if (e instanceof TransportError) return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOENT'].includes(e.code);
  return false;
}
