import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { type LocalLightRun, startLocalLightRun } from '../src/adapters/light-run/local/local-light-run.ts';
import { createLightServer, type LightServer } from '../src/faces/server/app.ts';
import { greetWorkflow, writeWorkflows } from './serve-fixtures.ts';

const KEY = 'ui-test-key';
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../../test-results/ui-finished-run.png', import.meta.url));
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Runs in the page: records every status a graph node shows, in order (window.statusLog).
const STATUS_RECORDER = `
  window.statusLog = [];
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI);
  });
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.attributeName === 'data-status' && r.target.matches('.dag-node')) {
        window.statusLog.push(r.target.getAttribute('data-node-id') + ':' + r.target.getAttribute('data-status'));
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
`;

describe('web UI in Chromium against a real light serve', () => {
  const dir = tempDir('ui');
  let local: LocalLightRun;
  let server: LightServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const offsite: string[] = [];

  before(async () => {
    // The test drives the UI as `npm run build` bundles it.
    const built = spawnSync(process.execPath, [join(PACKAGE, 'ui', 'build.mjs')], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    await writeWorkflows(dir.path, [greetWorkflow]);
    local = await startLocalLightRun();
    server = await createLightServer({ dir: dir.path, runner: local.client, apiKey: KEY });
    base = await server.listen();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The UI must work without the internet: anything off this server is refused and recorded.
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(base)) return route.continue();
      offsite.push(route.request().url());
      return route.abort();
    });
    // Records every status a graph node shows, in order, to prove the colours change live.
    await page.addInitScript({ content: STATUS_RECORDER });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await local?.stop();
    dir[Symbol.dispose]();
    await assertNoLeaks();
  });

  test('the page and its bundle are served with the right content types', async () => {
    const types = await Promise.all(
      ['/', '/assets/app.js', '/assets/app.css'].map(async (p) =>
        (await fetch(`${base}${p}`)).headers.get('content-type'),
      ),
    );
    assert.match(types[0] ?? '', /^text\/html/);
    assert.match(types[1] ?? '', /^text\/javascript/);
    assert.match(types[2] ?? '', /^text\/css/);
  });

  test('the UI asks for the API key, then lists the workflows', async () => {
    await page.goto(base);
    const dialog = page.locator('dialog.key-dialog');
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('input[name="api-key"]').fill(KEY);
    await dialog.locator('button[type="submit"]').click();
    await page.locator('[data-workflow-id="greet"]').waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('light-serve-api-key')"), KEY);
  });

  test('a run started from the generated form turns the nodes green live and streams their logs', async () => {
    await page.locator('[data-workflow-id="greet"]').click();
    const graph = page.locator('svg.dag');
    await graph.waitFor();
    assert.equal(await graph.locator('.dag-node').count(), 2);
    assert.match((await graph.locator('.link-label').textContent()) ?? '', /greeting exists true/);
    const field = page.locator('#input-name');
    assert.equal(await field.getAttribute('required'), '');
    await field.fill('Ada');
    await page.locator('[data-action="run"]').click();

    const hello = page.locator('.dag-node[data-node-id="hello"]');
    const shout = page.locator('.dag-node[data-node-id="shout"]');
    await page.locator('.run-page').waitFor();
    await page.locator('.dag-node[data-node-id="hello"][data-status="running"]').waitFor({ timeout: 60_000 });
    await page
      .locator('.dag-node[data-node-id="shout"][data-status="succeeded"]')
      .waitFor({ timeout: 90_000 });
    await page.locator('.run-page[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
    assert.match((await hello.getAttribute('class')) ?? '', /status-succeeded/);
    assert.match((await shout.getAttribute('class')) ?? '', /status-succeeded/);

    const log = (await page.evaluate('window.statusLog')) as string[];
    for (const node of ['hello', 'shout']) {
      const running = log.lastIndexOf(`${node}:running`);
      const succeeded = log.lastIndexOf(`${node}:succeeded`);
      assert.ok(
        running !== -1 && succeeded > running,
        `${node} went running -> succeeded: ${log.join(', ')}`,
      );
    }

    await hello.click();
    const logs = page.locator('pre[data-node-logs="hello"]');
    await logs.waitFor({ state: 'visible' });
    assert.match((await logs.textContent()) ?? '', /hello Ada/);
    assert.match(
      (await page.locator('pre[data-node-output="hello"]').textContent()) ?? '',
      /"greeting": "hello Ada"/,
    );

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`screenshot of the finished run: ${SCREENSHOT}`);
  });

  test('the runs page lists the run, and nothing was fetched from off the server', async () => {
    await page.locator('nav a[href="#/runs"]').click();
    const row = page.locator('table.runs tbody tr').first();
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /succeeded/);
    assert.deepEqual(offsite, []);
  });

  test('the server sends a CSP without inline script, and the UI broke none of it', async () => {
    const csp = (await fetch(`${base}/`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.deepEqual(await page.evaluate('window.cspViolations'), []);
  });
});
