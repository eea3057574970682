import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';

export const TOKEN_COOKIE = 'exitgraph_token';

/**
 * Loopback host names and addresses: the only binds allowed without a token. All of
 * 127.0.0.0/8 counts (the kernel routes every address of it to the loopback interface, so only
 * processes on this machine reach it, exactly as for 127.0.0.1), as do `::1`, `localhost` and
 * the IPv4-mapped forms.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4 !== null && v4[1] === '127' && v4.slice(2).every((octet) => Number(octet) <= 255);
}

/** Refuses to serve a non-loopback address without an access token, and refuses weak tokens. */
export function checkBinding(host: string, token: string | undefined): void {
  if (token !== undefined && token.trim().length < 8) throw new Error('the access token must be at least 8 characters (an empty token is not "no token")');
  if (!isLoopback(host) && !token) {
    throw new Error(`binding ${host} exposes the server to the network: pass --token <secret> (clients then send "Authorization: Bearer <secret>" or ?token=<secret>)`);
  }
}

/** The token a request carries: `Authorization: Bearer`, `?token=`, or the cookie the editor got. */
export function tokenOf(req: IncomingMessage): { token: string; via: 'header' | 'query' | 'cookie' } | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return { token: header.slice(7).trim(), via: 'header' };
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return { token: query, via: 'query' };
  const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  if (cookie) {
    try {
      return { token: decodeURIComponent(cookie.slice(TOKEN_COOKIE.length + 1)), via: 'cookie' };
    } catch {
      return { token: '', via: 'cookie' };
    }
  }
  return undefined;
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || given === '' || expected === '') return false;
  // Compare digests so that lengths do not leak and timingSafeEqual gets equal-length buffers.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export interface AccessRules {
  /** When set, every request and websocket must carry it. */
  readonly token?: string;
  /** The address the server is bound to (`--host`). */
  readonly hostname: string;
  /** Further names clients may reach the server by (`--allow-host`), e.g. a LAN name. */
  readonly allowedHosts?: readonly string[];
}

/** Why a request is refused: what the HTTP answer and the websocket refusal both say. */
export interface Refusal {
  readonly status: 400 | 401 | 403;
  readonly type: string;
  readonly message: string;
}

/** The host name of a `Host` header or an origin's host (`name:port`, `[v6]:port`), lower-case. */
function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * Whether a `Host` header names this server. DNS rebinding makes a web page's own name resolve
 * to 127.0.0.1, so its requests arrive with its name in `Host`; the server therefore answers
 * only to IP addresses (which no page can rebind), `localhost` and `*.localhost`, the name it
 * was bound to, and names configured with `allowedHosts`.
 */
export function hostAllowed(host: string | undefined, rules: AccessRules): boolean {
  if (!host) return false;
  const name = hostnameOf(host);
  if (name === '') return false;
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  const allowed = [rules.hostname, ...(rules.allowedHosts ?? [])].map((h) => hostnameOf(h));
  return allowed.includes(name);
}

/**
 * The one access check, for HTTP requests and websocket upgrades alike: the Host header must
 * name this server (DNS rebinding), the token must match when one is set, and a browser's Origin
 * must be this server's own for writes and for websockets (which browsers open cross-site
 * without asking).
 */
export function refusalOf(req: IncomingMessage, rules: AccessRules, kind: 'read' | 'write' | 'websocket'): Refusal | undefined {
  if (!hostAllowed(req.headers.host, rules)) {
    return { status: 403, type: 'forbidden_host', message: `this server does not answer to Host "${String(req.headers.host ?? '').slice(0, 100)}": use its address, localhost, or a name given with --allow-host` };
  }
  if (rules.token !== undefined && !tokenMatches(rules.token, tokenOf(req)?.token)) {
    return { status: 401, type: 'unauthorized', message: 'this server needs an access token: send "Authorization: Bearer <token>" or ?token=<token>' };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && kind !== 'read') {
    let originHost = '';
    try {
      originHost = new URL(origin).host;
    } catch {
      // An origin that is not a URL ("null" from sandboxed frames and files) matches nothing.
    }
    if (originHost.toLowerCase() !== String(req.headers.host).toLowerCase()) {
      return { status: 403, type: 'forbidden_origin', message: `requests from ${origin.slice(0, 200)} are not allowed` };
    }
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Checks every HTTP request (see `refusalOf`). A browser that opened `/?token=...` gets the
 * token back as an HttpOnly cookie, so the editor's scripts, images and websocket need no token
 * in their URLs.
 */
export function accessCheck(rules: AccessRules): RequestHandler {
  return (req, res, next) => {
    const refusal = refusalOf(req, rules, SAFE_METHODS.has(req.method) ? 'read' : 'write');
    if (refusal) {
      if (refusal.status === 401) res.set('WWW-Authenticate', 'Bearer');
      res.status(refusal.status).json({ error: { type: refusal.type, message: refusal.message } });
      return;
    }
    const given = tokenOf(req);
    if (rules.token !== undefined && given?.via === 'query') res.cookie(TOKEN_COOKIE, given.token, { httpOnly: true, sameSite: 'strict', path: '/' });
    next();
  };
}
