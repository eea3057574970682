import { afterEach, describe, expect, it } from 'vitest';
import { checkBinding, isLoopback } from '../../editor/server/index.js';
import { getJson, postJson, solidPrompt, startTestServer, WsRecorder, type Harness } from './server-harness.js';

const TOKEN = 'correct-horse-battery';
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('access control', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.2']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) expect(isLoopback(host)).toBe(false);
  });

  it('refuses to bind anything but loopback without a token', async () => {
    expect(() => checkBinding('0.0.0.0', undefined)).toThrow(/--token/);
    await expect(startTestServer({ hostname: '0.0.0.0' })).rejects.toThrow(/--token/);
    expect(() => checkBinding('0.0.0.0', 'short')).toThrow(/at least 8/);
  });

  it('checks the token on every request when bound to all interfaces', async () => {
    h = await startTestServer({ hostname: '0.0.0.0', token: TOKEN });
    const url = `http://127.0.0.1:${h.server.port}`;
    for (const path of ['/system_stats', '/object_info', '/queue', '/history', '/api/nodes', '/api/workflows', '/view?filename=x.png', '/', '/index.html']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(401);
    }
    expect((await postJson(`${url}/prompt`, { prompt: solidPrompt([1, 2, 3]) })).status).toBe(401);
    expect((await fetch(`${url}/upload/image`, { method: 'POST' })).status).toBe(401);
    expect((await getJson(`${url}/system_stats`, { authorization: 'Bearer wrong-token-here' })).status).toBe(401);

    expect((await getJson(`${url}/system_stats`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const viaQuery = await fetch(`${url}/system_stats?token=${TOKEN}`);
    expect(viaQuery.status).toBe(200);
    // A browser that opened ?token= gets a cookie for the editor's later requests.
    const cookie = viaQuery.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe(`exitgraph_token=${TOKEN}`);
    expect((await getJson(`${url}/queue`, { cookie })).status).toBe(200);
    const queued = await postJson(`${url}/prompt`, { prompt: solidPrompt([1, 2, 3]) }, { authorization: `Bearer ${TOKEN}` });
    expect(queued.status).toBe(200);
  });

  it('checks the token on the websocket', async () => {
    h = await startTestServer({ token: TOKEN });
    await expect(WsRecorder.connect(h.url, 'no-token')).rejects.toThrow(/401/);
    const ws = await WsRecorder.connect(`${h.url}`, 'with-token', { authorization: `Bearer ${TOKEN}` });
    expect((await ws.next((m) => m.type === 'status')).data.sid).toBe('with-token');
    ws.close();
  });

  it('refuses writes from another web site (Origin check)', async () => {
    h = await startTestServer();
    const foreign = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([1, 2, 3]) }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const same = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([1, 2, 3]) }, { origin: h.url });
    expect(same.status).toBe(200);
  });
});
