import type { ErrorRequestHandler, RequestHandler } from 'express';

/** An error with an HTTP status, answered as `{ error: { type, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'bad_request',
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Unknown API routes get a JSON 404 instead of express's HTML page. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `no such endpoint: ${req.method} ${req.path}`, 'not_found'));
};

/**
 * Turns any error into a JSON answer. Errors the server did not expect are logged and answered
 * with 500; they never take the server down.
 */
export function errorHandler(log: (message: string) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = statusOf(error);
    if (status >= 500) log(`internal error: ${(error as Error)?.stack ?? String(error)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    const type = error instanceof HttpError ? error.type : status === 413 ? 'payload_too_large' : status >= 500 ? 'internal_error' : 'bad_request';
    const message = status >= 500 && !(error instanceof HttpError) ? 'internal server error' : isJsonSyntax(error) ? `the request body is not JSON: ${error.message}` : (error as Error)?.message ?? String(error);
    res.status(status).json({ error: { type, message, ...(error instanceof HttpError ? error.extra : {}) } });
  };
}

/** body-parser's error for a body that is not JSON. */
function isJsonSyntax(error: unknown): error is SyntaxError {
  return error instanceof SyntaxError && (error as { type?: unknown }).type === 'entity.parse.failed';
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  // body-parser and other http-errors style errors carry status / statusCode.
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
