/**
 * Who may talk to the server, with raw HTTP requests and websocket upgrades on loopback: the
 * Host header (DNS rebinding), the Origin of writes and websockets, tokens (never empty); and
 * malformed uploads, which are the client's fault (400), never the server's (500).
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { checkBinding, isLoopback, startServer } from '../../editor/server/index.js';
import { createHost } from '../../sdk/index.js';
import { raw, startLoopback, type Loopback } from './loopback.js';

let server: Loopback;
beforeAll(async () => {
  server = await startLoopback({ allowedHosts: ['studio.lan'] });
});
afterAll(async () => server?.stop());

/** Opens `/ws` with the given headers; resolves with the HTTP status of a refusal, or 101. */
function upgrade(headers: Record<string, string>, port = server.port): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?clientId=probe`, { headers });
    socket.on('open', () => {
      socket.close();
      done({ status: 101, body: '' });
    });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    socket.on('error', (error) => fail(error));
  });
}

describe('the Host header (DNS rebinding)', () => {
  it('is refused when it names another site, even with a matching Origin, on reads, writes and websockets', async () => {
    const evil = { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}` };
    const read = await raw(server, { path: '/system_stats', headers: evil });
    expect(read.status).toBe(403);
    expect(read.json().error.type).toBe('forbidden_host');
    const write = await raw(server, { method: 'POST', path: '/prompt', headers: { ...evil, 'content-type': 'application/json' }, body: '{"prompt":{}}' });
    expect(write.status).toBe(403);
    expect((await upgrade(evil)).status).toBe(403);
  });

  it('is accepted for IP addresses, localhost and configured names', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, `studio.lan:${server.port}`, 'studio.lan']) {
      expect((await raw(server, { path: '/system_stats', headers: { host } })).status, host).toBe(200);
    }
    expect((await raw(server, { path: '/system_stats', headers: { host: 'studio.lan.evil.example' } })).status).toBe(403);
  });
});

describe('websocket Origin', () => {
  it('a page on another site cannot open the websocket of a tokenless server', async () => {
    const refused = await upgrade({ origin: 'http://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('requests from http://evil.example are not allowed');
    expect((await upgrade({ origin: 'null' })).status).toBe(403);
  });

  it('the editor itself (same origin) and clients that send no Origin connect', async () => {
    expect((await upgrade({ origin: `http://127.0.0.1:${server.port}` })).status).toBe(101);
    expect((await upgrade({})).status).toBe(101);
  });
});

describe('tokens and loopback', () => {
  it('all of 127.0.0.0/8 is loopback; malformed addresses are not', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::ffff:127.0.0.5', 'localhost', '[::1]']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['127.0.0.256', '127.1', '128.0.0.1', '0.0.0.0', '::', 'localhost.evil.example']) expect(isLoopback(host), host).toBe(false);
  });

  it('an empty or blank token is refused, on loopback too, instead of meaning "no token"', async () => {
    for (const token of ['', '   ', 'short']) expect(() => checkBinding('127.0.0.1', token)).toThrow(/at least 8 characters/);
    const host = await createHost();
    await expect(startServer({ host, port: 0, token: '', log: () => {} })).rejects.toThrow(/at least 8 characters/);
    await host.close();
  });

  it('HTTP and websocket apply the same token rule', async () => {
    const host = await createHost();
    const guarded = await startServer({ host, port: 0, token: 'correct-horse-battery', workspace: `${server.workspace}-guarded`, log: () => {} });
    try {
      expect((await raw(guarded, { path: '/system_stats' })).status).toBe(401);
      expect((await upgrade({}, guarded.port)).status).toBe(401);
      expect((await raw(guarded, { path: '/system_stats', headers: { authorization: 'Bearer ' } })).status).toBe(401);
      expect((await upgrade({ authorization: 'Bearer ' }, guarded.port)).status).toBe(401);
      expect((await raw(guarded, { path: '/system_stats', headers: { authorization: 'Bearer correct-horse-battery' } })).status).toBe(200);
      expect((await upgrade({ authorization: 'Bearer correct-horse-battery' }, guarded.port)).status).toBe(101);
      expect((await upgrade({ authorization: 'Bearer correct-horse-battery', origin: 'http://evil.example' }, guarded.port)).status).toBe(403);
    } finally {
      await guarded.close();
      await host.close();
      await rm(`${server.workspace}-guarded`, { recursive: true, force: true });
    }
  });
});

describe('malformed multipart uploads', () => {
  const part = '--b\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG';
  const cases: [string, string, string][] = [
    ['no boundary', 'multipart/form-data', `${part}\r\n--b--\r\n`],
    ['a wrong boundary', 'multipart/form-data; boundary=other', `${part}\r\n--b--\r\n`],
    ['a truncated body', 'multipart/form-data; boundary=b', part],
    ['a broken part header', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition\r\n\r\nxx\r\n--b--\r\n'],
  ];
  for (const [what, type, body] of cases) {
    it(`${what} is a 400`, async () => {
      const answer = await raw(server, { method: 'POST', path: '/upload/image', headers: { 'content-type': type }, body });
      expect(answer.status).toBe(400);
      expect(answer.json().error.type).toMatch(/bad_upload|no_file/);
    });
  }
});
