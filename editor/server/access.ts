import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

export const TOKEN_COOKIE = 'exitgraph_token';

/** Loopback host names and addresses: the only binds allowed without a token. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Refuses to serve a non-loopback address without an access token. */
export function checkBinding(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw new Error(`binding ${host} exposes the server to the network: pass --token <secret> (clients then send "Authorization: Bearer <secret>" or ?token=<secret>)`);
  }
  if (token !== undefined && token.length < 8) throw new Error('the access token must be at least 8 characters');
}

/** The token a request carries: `Authorization: Bearer`, `?token=`, or the cookie the editor got. */
export function tokenOf(req: IncomingMessage): { token: string; via: 'header' | 'query' | 'cookie' } | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return { token: header.slice(7).trim(), via: 'header' };
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return { token: query, via: 'query' };
  const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  if (cookie) return { token: decodeURIComponent(cookie.slice(TOKEN_COOKIE.length + 1)), via: 'cookie' };
  return undefined;
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  // Compare digests so that lengths do not leak and timingSafeEqual gets equal-length buffers.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * Checks the token on every request. A browser that opened `/?token=...` gets it back as an
 * HttpOnly cookie, so the editor's scripts, images and websocket need no token in their URLs.
 */
export function requireToken(expected: string): RequestHandler {
  return (req, res, next) => {
    const given = tokenOf(req);
    if (!tokenMatches(expected, given?.token)) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { type: 'unauthorized', message: 'this server needs an access token: send "Authorization: Bearer <token>" or ?token=<token>' } });
      return;
    }
    if (given!.via === 'query') res.cookie(TOKEN_COOKIE, given!.token, { httpOnly: true, sameSite: 'strict', path: '/' });
    next();
  };
}

/**
 * Refuses state-changing requests from other web sites (a page on the internet posting to
 * 127.0.0.1): when a browser sends an Origin, it must match the Host the request went to.
 */
export const sameOriginWrites: RequestHandler = (req, res, next) => {
  const origin = req.headers.origin;
  if (!origin || req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = '';
  }
  if (originHost !== req.headers.host) {
    res.status(403).json({ error: { type: 'forbidden_origin', message: `requests from ${origin} are not allowed` } });
    return;
  }
  next();
};
