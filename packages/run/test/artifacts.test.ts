import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import type { ErrorBody } from '../src/index.ts';
import { rawGet } from './support/http.ts';
import { runSync } from './support/runs.ts';
import { json, startServer } from './support/server.ts';

describe('artifacts', () => {
  after(() => assertNoLeaks());

  test('traversal in artifact URLs is refused, plain and percent-encoded', async () => {
    await using t = await startServer();
    const state = await runSync(t, {
      image: 'localhost/light-sh',
      entrypoint: 'mkdir -p out && echo fine > out/a.txt',
      extract: ['/app/out'],
    });
    assert.equal(state.status, 'succeeded');
    assert.deepEqual(
      state.artifacts.map((a) => a.path),
      ['out/a.txt'],
    );
    const ok = await rawGet(t.url, `/runs/${state.id}/artifacts/out/a.txt`, t.token);
    assert.deepEqual(ok, { status: 200, body: 'fine\n' });
    const record = `runs/${state.id}.json`;
    for (const path of [
      `/runs/${state.id}/artifacts/../../${record}`,
      `/runs/${state.id}/artifacts/out/../../../${record}`,
      `/runs/${state.id}/artifacts/%2e%2e/%2e%2e/${record}`,
      `/runs/${state.id}/artifacts/%2E%2E%2F%2E%2E%2F${record.replace('/', '%2F')}`,
      `/runs/${state.id}/artifacts/out/..%2f..%2f..%2f${record}`,
    ]) {
      const res = await rawGet(t.url, path, t.token);
      assert.ok(res.status === 400 || res.status === 404, `${path} answered ${res.status}`);
      assert.doesNotMatch(res.body, /callback|"state"/, `${path} leaked the record`);
      if (res.status === 400) assert.equal((JSON.parse(res.body) as ErrorBody).error.code, 'INVALID_REQUEST');
    }
    const encoded = await rawGet(t.url, `/runs/${state.id}/artifacts/%2e%2e/%2e%2e/${record}`, t.token);
    assert.equal(encoded.status, 400);
    assert.match((JSON.parse(encoded.body) as ErrorBody).error.message, /^path: /);
    const missing = await t.api(`/runs/${state.id}/artifacts/out/b.txt`);
    assert.equal(missing.status, 404);
    assert.equal((await json<ErrorBody>(missing)).error.code, 'ARTIFACT_NOT_FOUND');
  });

  test('past the store cap the artifacts of the oldest finished runs are evicted', async () => {
    await using t = await startServer({ artifactStoreBytes: 1500 });
    const make = () =>
      runSync(t, {
        image: 'localhost/light-sh',
        entrypoint: 'head -c 1000 /dev/zero > out.bin',
        extract: ['/app/out.bin'],
      });
    const first = await make();
    const second = await make();
    const third = await make();
    for (const run of [first, second, third]) assert.equal(run.status, 'succeeded');
    for (const run of [first, second]) {
      const res = await t.api(`/runs/${run.id}/artifacts/out.bin`);
      assert.equal(res.status, 410);
      assert.equal((await json<ErrorBody>(res)).error.code, 'ARTIFACTS_EVICTED');
      const state = await json(await t.api(`/runs/${run.id}`));
      assert.equal(state.artifactsEvicted, true);
      assert.deepEqual(state.artifacts, []);
    }
    const kept = await t.api(`/runs/${third.id}/artifacts/out.bin`);
    assert.equal(kept.status, 200);
    assert.equal((await kept.arrayBuffer()).byteLength, 1000);
  });
});
