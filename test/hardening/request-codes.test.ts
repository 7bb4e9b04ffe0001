import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { type ErrorBodyJson, rawRequest } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
let lr: LightRunProc;
const sh = { image: 'localhost/light-sh', entrypoint: 'true' };

async function runCount(): Promise<number> {
  return ((await (await lr.api('/runs?limit=1000')).json()) as { runs: unknown[] }).runs.length;
}

/**
 * POSTs `text` as the JSON body of `POST /run` exactly as written (so keys such as
 * `__proto__` reach the server unchanged) and asserts a 400 `INVALID_REQUEST` whose message
 * starts with `field: `, and that no run was recorded.
 */
async function refused(text: string, field: string, message: RegExp): Promise<void> {
  const before = await runCount();
  const answer = await rawRequest(lr.url, {
    method: 'POST',
    path: '/run',
    headers: { authorization: `Bearer ${lr.token}`, 'content-type': 'application/json' },
    body: text,
  });
  assert.equal(answer.status, 400, answer.body.slice(0, 300));
  const { error } = JSON.parse(answer.body) as ErrorBodyJson;
  assert.equal(error.code, 'INVALID_REQUEST', error.message);
  assert.ok(error.message.startsWith(`${field}: `), `message names ${field}: ${error.message}`);
  assert.match(error.message, message);
  const issues = (error.details as { issues: { path: string }[] }).issues;
  assert.equal(issues[0]?.path, field);
  assert.equal(await runCount(), before, 'no run was recorded');
}

const body = (extra: Record<string, unknown>) => JSON.stringify({ ...sh, ...extra });

describe('light-run answers the client-side mistakes of a run body with 400s naming the path', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('files {".": ...} answers 400 naming the path, not a failed run', async () => {
    await refused(body({ files: { '.': 'x' } }), 'files..', /must name a file/);
    await refused(body({ files: { './': 'x' } }), 'files../', /must name a file/);
  });

  test('a file/directory clash ("a" and "a/b") answers 400 naming both paths, not a failed run', async () => {
    await refused(
      body({ files: { a: 'x', 'a/b': 'y' } }),
      'files.a',
      /"a" is a file, but "a\/b" needs it to be a directory/,
    );
    await refused(body({ files: { 'x/y/z': 'x', 'x/y': 'y' } }), 'files.x/y', /"x\/y\/z" needs it/);
  });

  test('two keys of one file ("a/b" and "./a//b") answer 400 naming the second', async () => {
    await refused(
      body({ files: { 'a/b': 'x', './a//b': 'y' } }),
      'files../a//b',
      /names the same file as "a\/b"/,
    );
  });

  test('an input nested 10,000 levels deep answers 400 naming input, not a failed run or invalid JSON', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    await refused(
      `{"image":"localhost/light-sh","entrypoint":"true","input":${deep}}`,
      'input',
      /nests deeper than 256 levels/,
    );
    const objects = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    await refused(`{"image":"localhost/light-sh","input":${objects}}`, 'input', /nests deeper/);
  });

  test('a __proto__ key is named as such (files, env, input, top level), not reported as invalid JSON', async () => {
    await refused(
      '{"image":"localhost/light-sh","files":{"__proto__":"x"}}',
      'files.__proto__',
      /'__proto__' is not allowed as a key/,
    );
    await refused(
      '{"image":"localhost/light-sh","env":{"__proto__":{"A":"1"}}}',
      'env.__proto__',
      /__proto__/,
    );
    await refused(
      '{"image":"localhost/light-sh","input":[{"__proto__":{"x":1}}]}',
      'input.0.__proto__',
      /__proto__/,
    );
    await refused('{"__proto__":{"image":"localhost/light-sh"}}', '__proto__', /__proto__/);
    await refused(
      '{"image":"localhost/light-sh","input":{"constructor":{"prototype":{"x":1}}}}',
      'input.constructor.prototype',
      /constructor\.prototype/,
    );
  });

  test('the limits themselves still run: an input 200 levels deep and a file named "constructor"', async () => {
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    const res = await rawRequest(lr.url, {
      method: 'POST',
      path: '/run',
      headers: { authorization: `Bearer ${lr.token}`, 'content-type': 'application/json' },
      body: `{"image":"localhost/light-sh","files":{"constructor":"ok\\n"},"entrypoint":"cat constructor; head -c 3","input":${deep}}`,
    });
    assert.equal(res.status, 200, res.body);
    const state = JSON.parse(res.body) as { id: string; status: string };
    assert.equal(state.status, 'succeeded');
    assert.equal(await (await lr.api(`/runs/${state.id}/logs`)).text(), 'ok\n[[[\n');
  });
});
