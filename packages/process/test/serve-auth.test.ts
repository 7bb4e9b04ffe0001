import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { createLightServer, type LightServer } from '../src/faces/server/app.ts';
import { keyMatches } from '../src/faces/server/auth.ts';

const KEY = 's3cret-key-for-tests';

describe('light serve with an API key', () => {
  const dir = tempDir('serve-auth');
  let local: LocalLightRun;
  let server: LightServer;
  let base: string;

  before(async () => {
    local = await startLocalLightRun();
    server = await createLightServer({ dir: dir.path, runner: local.client, apiKey: KEY });
    base = await server.listen();
  });

  after(async () => {
    await server?.close();
    await local?.stop();
    dir[Symbol.dispose]();
    await assertNoLeaks();
  });

  const get = (path: string, key?: string) =>
    fetch(`${base}${path}`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });

  test('GET /health answers 200 without a key', async () => {
    assert.equal((await get('/health')).status, 200);
  });

  test('the web UI loads without a key (it asks for one itself)', async () => {
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  });

  for (const path of [
    '/api/workflows',
    '/api/runs',
    '/api/runs/x/events',
    '/openapi.json',
    '/api/nothing-here',
  ]) {
    test(`GET ${path} without a key answers 401`, async () => {
      const res = await get(path);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'UNAUTHORIZED');
      assert.match(body.error.message, /missing API key/);
    });
  }

  test('a wrong key answers 401, the right one 200', async () => {
    const wrong = await get('/api/workflows', 'not-the-key');
    assert.equal(wrong.status, 401);
    assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /wrong API key/);
    assert.equal((await get('/api/workflows', `${KEY}x`)).status, 401);
    assert.equal((await get('/api/workflows', KEY)).status, 200);
    assert.equal((await get('/openapi.json', KEY)).status, 200);
  });

  test('a POST without a key is refused before its body is looked at', async () => {
    const res = await fetch(`${base}/api/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(res.status, 401);
  });

  test('keyMatches compares keys of any length', () => {
    assert.equal(keyMatches(KEY, KEY), true);
    assert.equal(keyMatches('', KEY), false);
    assert.equal(keyMatches(`${KEY}${KEY}`, KEY), false);
  });
});
