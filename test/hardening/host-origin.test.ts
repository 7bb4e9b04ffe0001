import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type ErrorBodyJson, rawRequest } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
const prefix = `hard-origin-${randomBytes(3).toString('hex')}-`;
scope.networkPrefixes.add(prefix);
let lr: LightRunProc;
let named: LightRunProc;

/** A request as a browser page (or a rebound name) would send it, with the real token. */
function send(
  instance: LightRunProc,
  headers: Record<string, string>,
  options: { method?: string; path?: string; body?: string } = {},
) {
  return rawRequest(instance.url, {
    method: options.method ?? 'GET',
    path: options.path ?? '/runs',
    headers: { authorization: `Bearer ${instance.token}`, ...headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

function errorOf(answer: { body: string }): ErrorBodyJson['error'] {
  return (JSON.parse(answer.body) as ErrorBodyJson).error;
}

async function runCount(instance: LightRunProc): Promise<number> {
  return ((await (await instance.api('/runs?limit=1000')).json()) as { runs: unknown[] }).runs.length;
}

describe('light-run refuses rebound Host names and cross-site browser requests', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
    named = track(
      scope,
      await startLightRun({ args: ['--allowed-hosts', 'light-run.internal,Runner.Example'] }),
    );
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await named?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('a request with Host: evil.example:3001 to 127.0.0.1 answers 421 HOST_NOT_ALLOWED, even on /health', async () => {
    for (const path of ['/health', '/runs', '/runs/x/logs']) {
      const answer = await send(lr, { host: 'evil.example:3001' }, { path });
      assert.equal(answer.status, 421, `${path}: ${answer.body}`);
      const error = errorOf(answer);
      assert.equal(error.code, 'HOST_NOT_ALLOWED');
      assert.match(error.message, /"evil\.example:3001"/);
      assert.match(error.message, /--allowed-hosts/);
    }
  });

  test('a rebound name POSTing a run with the right token is refused with 421 and nothing is recorded', async () => {
    const before = await runCount(lr);
    const body = JSON.stringify({ image: 'localhost/light-sh', entrypoint: 'true' });
    const answer = await send(
      lr,
      { host: 'attacker.example', 'content-type': 'application/json' },
      { method: 'POST', path: '/run', body },
    );
    assert.equal(answer.status, 421, answer.body);
    assert.equal(await runCount(lr), before);
  });

  test('Host 127.0.0.1, localhost and [::1] with any port are answered', async () => {
    for (const host of ['127.0.0.1', '127.0.0.1:3001', 'localhost:9', 'LOCALHOST', '[::1]:3001']) {
      const answer = await send(lr, { host });
      assert.equal(answer.status, 200, `${host}: ${answer.body}`);
    }
  });

  test('a malformed Host (credentials, a path, a bad port) answers 421', async () => {
    for (const host of ['user@127.0.0.1', '127.0.0.1/x', '127.0.0.1:port', '127.0.0.1.evil.example']) {
      const answer = await send(lr, { host });
      assert.equal(answer.status, 421, `${host}: ${answer.body}`);
    }
  });

  test('--allowed-hosts adds names (any case, any port); other names are still refused', async () => {
    for (const host of ['light-run.internal:3001', 'runner.example', 'RUNNER.EXAMPLE:80', '127.0.0.1']) {
      assert.equal((await send(named, { host })).status, 200, host);
    }
    assert.equal((await send(named, { host: 'evil.example' })).status, 421);
    assert.equal(
      (await send(lr, { host: 'light-run.internal' })).status,
      421,
      'only the instance that lists it',
    );
  });

  test('listening on 0.0.0.0, the addresses of this machine are answered and other names still get 421', async () => {
    await using wide = track(scope, await startLightRun({ args: ['--host', '0.0.0.0'] }));
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal)
      .map((a) => (a?.family === 'IPv6' ? `[${a.address}]` : (a?.address as string)));
    assert.ok(addresses.length > 0, 'this machine has a non-loopback address');
    for (const address of addresses) {
      const answer = await send(wide, { host: `${address}:${new URL(wide.url).port}` });
      assert.equal(answer.status, 200, `${address}: ${answer.body}`);
    }
    assert.equal((await send(wide, { host: 'evil.example' })).status, 421);
  });

  test('a POST with Origin: http://evil.example answers 403 ORIGIN_NOT_ALLOWED and creates nothing', async () => {
    const name = `${prefix}csrf`;
    const answer = await send(
      lr,
      { origin: 'http://evil.example', 'content-type': 'application/json' },
      { method: 'POST', path: '/networks', body: JSON.stringify({ name }) },
    );
    assert.equal(answer.status, 403, answer.body);
    const error = errorOf(answer);
    assert.equal(error.code, 'ORIGIN_NOT_ALLOWED');
    assert.match(error.message, /http:\/\/evil\.example/);
    assert.deepEqual(await (await lr.api(`/networks/${name}`)).json(), { name, exists: false });
  });

  test('a cross-site form POST to /run (no token needed to send it) is refused with 403 before anything else', async () => {
    const before = await runCount(lr);
    const answer = await rawRequest(lr.url, {
      method: 'POST',
      path: '/run',
      headers: {
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
      },
      body: 'image=localhost/light-sh&entrypoint=id',
    });
    assert.equal(answer.status, 403, answer.body);
    assert.equal(errorOf(answer).code, 'ORIGIN_NOT_ALLOWED');
    assert.equal(await runCount(lr), before);
  });

  test('Origin: null and a cross-site Sec-Fetch-Site without Origin are refused on DELETE and POST', async () => {
    const nullOrigin = await send(lr, { origin: 'null' }, { method: 'DELETE', path: '/runs/nope' });
    assert.equal(nullOrigin.status, 403, nullOrigin.body);
    const site = await send(
      lr,
      { 'sec-fetch-site': 'same-site' },
      { method: 'POST', path: '/runs/nope/cancel' },
    );
    assert.equal(site.status, 403, site.body);
  });

  test('a same-origin POST and a cross-origin GET pass the check; the GET carries no CORS grant', async () => {
    const port = new URL(lr.url).port;
    const same = await send(
      lr,
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
      { method: 'POST', path: '/runs/nope/cancel' },
    );
    assert.equal(same.status, 404, same.body);
    assert.equal(errorOf(same).code, 'RUN_NOT_FOUND');
    const read = await lr.api('/runs', { headers: { origin: 'http://evil.example' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('access-control-allow-origin'), null);
    await read.body?.cancel();
  });
});
