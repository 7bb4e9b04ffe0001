import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../test/support/leaks.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { assertBuilt, runBin, serveBin } from './support/bin.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('light-run CLI', () => {
  before(() => assertBuilt());
  after(() => assertNoLeaks());

  test('--version prints the package version and exits 0', async () => {
    const result = await runBin(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), version);
  });

  test('serve --help lists the flags with their env equivalents', async () => {
    const result = await runBin(['serve', '--help']);
    assert.equal(result.code, 0);
    for (const flag of [
      '--port',
      '--host',
      '--token',
      '--body-limit',
      '--data-dir',
      '--max-concurrent',
      '--memory',
    ]) {
      assert.match(result.stdout, new RegExp(flag));
    }
    assert.match(result.stdout, /LIGHT_RUN_TOKEN/);
  });

  test('serve --port 0 prints exactly one listening line, serves, and exits 0 on SIGTERM', async () => {
    await using data = tempDir('run-cli');
    const serving = await serveBin(['--port', '0', '--data-dir', data.path, '--token', 't0k'], {});
    assert.match(serving.line, /^light-run listening on http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${serving.url}/health`);
    assert.equal(health.status, 200);
    assert.equal((await fetch(`${serving.url}/runs`)).status, 401);
    const runs = await fetch(`${serving.url}/runs`, { headers: { authorization: 'Bearer t0k' } });
    assert.equal(runs.status, 200);
    const result = await serving.stop();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 1, result.stdout);
  });

  test('LIGHT_RUN_* environment variables configure serve', async () => {
    await using data = tempDir('run-cli');
    await using serving = await serveBin([], {
      LIGHT_RUN_PORT: '0',
      LIGHT_RUN_DATA_DIR: data.path,
      LIGHT_RUN_TOKEN: 'from-env',
      LIGHT_RUN_BODY_LIMIT: '1kb',
    });
    const headers = { authorization: 'Bearer from-env', 'content-type': 'application/json' };
    assert.equal((await fetch(`${serving.url}/runs`, { headers })).status, 200);
    const big = await fetch(`${serving.url}/run`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ image: 'localhost/light-sh', entrypoint: 'x'.repeat(4096) }),
    });
    assert.equal(big.status, 413);
  });

  test('a port in use is one clear line on stderr and exit code 2', async () => {
    await using data = tempDir('run-cli');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const result = await runBin(['serve', '--port', String(port), '--data-dir', data.path]);
      assert.equal(result.code, 2);
      const errors = result.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.includes('WARNING'));
      assert.deepEqual(errors, [`light-run: cannot listen: port ${port} on 127.0.0.1 is already in use`]);
      assert.equal(result.stdout, '');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('a bad flag value is a usage error (exit 2) naming the flag', async () => {
    await using data = tempDir('run-cli');
    const result = await runBin(['serve', '--port', 'eighty', '--data-dir', data.path]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /port/);
  });
});
