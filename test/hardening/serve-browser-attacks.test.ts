import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import type { WorkflowDefinition } from '../../packages/process/src/definition/definitions.ts';
import { saveWorkflowToFolder } from '../../packages/process/src/files/save-workflow.ts';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type LightServeProc, startLightServe } from '../support/light-serve-proc.ts';
import { type ErrorBodyJson, rawRequest } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';
import { tempDir } from '../support/temp.ts';

// The attacker owns a web page (evil.example) that the operator of a `light serve` on
// 127.0.0.1 happens to open. The page can make the browser send requests, but the server
// must neither start runs for it nor let it read the API through DNS rebinding.

const scope = leakScope();
const dir = tempDir('serve-attacks');
scope.tempPaths.add(dir.path);
let lr: LightRunProc;
let serve: LightServeProc;

const greet: WorkflowDefinition = {
  id: 'greet',
  nodes: [
    {
      id: 'hello',
      image: 'localhost/light-sh',
      entrypoint: `printf '{"greeting":"hello"}' > .lp-output.json`,
      timeout: 60_000,
    },
  ],
  links: [],
  networkDefs: [],
  services: [],
};

/** Runs light serve recorded in its history (what a started run leaves). */
async function historyCount(): Promise<number> {
  const res = await fetch(`${serve.url}/api/runs`);
  return ((await res.json()) as { total: number }).total;
}

/** Runs light-run has seen (a container per node run). */
async function lightRunCount(): Promise<number> {
  return ((await (await lr.api('/runs')).json()) as { runs: unknown[] }).runs.length;
}

function errorOf(body: string): ErrorBodyJson['error'] {
  return (JSON.parse(body) as ErrorBodyJson).error;
}

describe('light serve against a hostile web page', () => {
  before(async () => {
    await saveWorkflowToFolder(greet, `${dir.path}/greet`);
    lr = track(scope, await startLightRun());
    serve = await startLightServe({ dir: dir.path, lightRun: lr });
    scope.pids.add(serve.pid);
  });
  after(async () => {
    await serve?.stop();
    await lr?.[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
    await assertNoLeaksOf(scope);
  });

  test('a cross-site form POST (urlencoded, Origin http://evil.example) answers 403 and starts no run', async () => {
    const res = await rawRequest(serve.url, {
      method: 'POST',
      path: '/api/workflows/greet/run',
      headers: {
        origin: 'http://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
      },
      body: 'name=pwned',
    });
    assert.equal(res.status, 403, res.body);
    assert.equal(errorOf(res.body).code, 'ORIGIN_NOT_ALLOWED');
    assert.match(errorOf(res.body).message, /evil\.example/);
    assert.equal(await historyCount(), 0);
    assert.equal(await lightRunCount(), 0);
  });

  test('cross-site text/plain, JSON and Origin: null writes are refused the same way; nothing is registered or deleted', async () => {
    const attempts: { method: string; path: string; origin: string; type: string; body?: string }[] = [
      {
        method: 'POST',
        path: '/api/workflows/greet/run',
        origin: 'http://evil.example',
        type: 'text/plain',
        body: '{}',
      },
      {
        method: 'POST',
        path: '/api/workflows?persist=1',
        origin: 'https://evil.example',
        type: 'application/json',
        body: JSON.stringify({ ...greet, id: 'planted' }),
      },
      { method: 'DELETE', path: '/api/workflows/greet?persist=1', origin: 'null', type: 'application/json' },
      // Same host name, another port: another origin, still not this server.
      {
        method: 'POST',
        path: '/api/workflows/greet/run',
        origin: 'http://127.0.0.1:1',
        type: 'application/json',
        body: '{}',
      },
    ];
    for (const a of attempts) {
      const res = await rawRequest(serve.url, {
        method: a.method,
        path: a.path,
        headers: { origin: a.origin, 'content-type': a.type },
        ...(a.body === undefined ? {} : { body: a.body }),
      });
      assert.equal(res.status, 403, `${a.method} ${a.path} from ${a.origin}: ${res.body}`);
      assert.equal(errorOf(res.body).code, 'ORIGIN_NOT_ALLOWED');
    }
    const list = (await (await fetch(`${serve.url}/api/workflows`)).json()) as {
      workflows: { id: string }[];
    };
    assert.deepEqual(
      list.workflows.map((w) => w.id),
      ['greet'],
    );
    assert.equal(await historyCount(), 0);
  });

  test('a rebinding Host: evil.example:<port> GET /api/workflows answers 403 and lists nothing', async () => {
    for (const path of ['/api/workflows', '/api/runs', '/', '/openapi.json']) {
      const res = await rawRequest(serve.url, { path, headers: { host: `evil.example:${serve.port}` } });
      assert.equal(res.status, 403, `${path}: ${res.body}`);
      assert.equal(errorOf(res.body).code, 'HOST_NOT_ALLOWED');
      assert.doesNotMatch(res.body, /greet/);
    }
    const own = await rawRequest(serve.url, {
      path: '/api/workflows',
      headers: { host: `localhost:${serve.port}` },
    });
    assert.equal(own.status, 200);
    // A probe that calls the server by an address of its own still gets the liveness answer.
    const probe = await rawRequest(serve.url, {
      path: '/health',
      headers: { host: `10.1.2.3:${serve.port}` },
    });
    assert.equal(probe.status, 200, probe.body);
  });

  test('a POST body that is not application/json answers 415 even without an Origin (curl)', async () => {
    const res = await rawRequest(serve.url, {
      method: 'POST',
      path: '/api/workflows/greet/run',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    assert.equal(res.status, 415, res.body);
    assert.equal(errorOf(res.body).code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(await historyCount(), 0);
  });

  test('UI, API and error responses carry CSP, frame, nosniff and referrer headers', async () => {
    for (const path of ['/', '/api/workflows', '/api/nope', '/health']) {
      const res = await fetch(`${serve.url}${path}`);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: no inline script`);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    }
  });

  test('a same-origin JSON POST (what the UI sends) runs the workflow', async () => {
    const res = await fetch(`${serve.url}/api/workflows/greet/run`, {
      method: 'POST',
      headers: { origin: serve.url, 'content-type': 'application/json' },
      body: '{}',
    });
    const run = (await res.json()) as { status: string };
    assert.equal(res.status, 200, JSON.stringify(run));
    assert.equal(run.status, 'succeeded');
    assert.equal(await historyCount(), 1);
  });
});

describe('light serve attacked from a real browser (Chromium)', () => {
  const scope2 = leakScope();
  const dir2 = tempDir('serve-attacks-browser');
  scope2.tempPaths.add(dir2.path);
  let lr2: LightRunProc;
  let serve2: LightServeProc;
  let evil: Server;
  let evilPort: number;
  let browser: Browser;

  before(async () => {
    await saveWorkflowToFolder(greet, `${dir2.path}/greet`);
    lr2 = track(scope2, await startLightRun());
    serve2 = await startLightServe({ dir: dir2.path, lightRun: lr2 });
    scope2.pids.add(serve2.pid);
    // The attacker's page: a form that posts itself to light serve as soon as it loads, with
    // the text/plain trick that makes its body read as JSON: {"name":"pwned","x":"="}.
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><form id="f" method="POST" action="${serve2.url}/api/workflows/greet/run"
        enctype="text/plain"><input name='{"name":"pwned","x":"' value='"}'></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((done) => evil.listen(0, '127.0.0.1', done));
    evilPort = (evil.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      // evil.example resolves to this machine, as a rebinding DNS server would make it.
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--host-resolver-rules=MAP evil.example 127.0.0.1',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    if (evil) await new Promise((done) => evil.close(done));
    await serve2?.stop();
    await lr2?.[Symbol.asyncDispose]();
    dir2[Symbol.dispose]();
    await assertNoLeaksOf(scope2);
  });

  test('the auto-submitting text/plain form of http://evil.example gets a 403 and no run starts', async () => {
    const page = await browser.newPage();
    const answered = page.waitForResponse((r) => r.url().startsWith(`${serve2.url}/api/workflows/greet/run`));
    await page.goto(`http://evil.example:${evilPort}/`);
    const response = await answered;
    assert.equal(response.status(), 403);
    assert.equal(response.request().headers().origin, `http://evil.example:${evilPort}`);
    const runs = (await (await fetch(`${serve2.url}/api/runs`)).json()) as { total: number };
    assert.equal(runs.total, 0);
    assert.equal(((await (await lr2.api('/runs')).json()) as { runs: unknown[] }).runs.length, 0);
    await page.close();
  });

  test('after DNS rebinding, http://evil.example:<port>/api/workflows answers 403 to the page', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`http://evil.example:${serve2.port}/api/workflows`);
    assert.equal(response?.status(), 403);
    assert.doesNotMatch((await response?.text()) ?? '', /greet/);
    await page.close();
  });
});
