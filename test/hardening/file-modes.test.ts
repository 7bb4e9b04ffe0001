import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LightRunProc, startLightRun } from '../support/light-run-proc.ts';
import { logText, runSync } from '../support/run-api.ts';
import { assertNoLeaksOf, leakScope, track } from '../support/scoped-leaks.ts';

const scope = leakScope();
let lr: LightRunProc;

/** Files whose requested modes carry setuid, setgid and sticky bits, and the modes they must get. */
const files = {
  suid: { content: '#!/bin/sh\necho hi\n', mode: 0o6755 },
  'bin/setuid': { content: 'x', mode: 0o4755 },
  'bin/setgid': { content: 'x', mode: 0o2750 },
  sticky: { content: 'x', mode: 0o1777 },
  plain: { content: 'x', mode: 0o640 },
};
const expected = ['640 plain', '755 bin/setuid', '750 bin/setgid', '777 sticky', '755 suid'];

/** Prints `<octal mode> <path>` of each file, then every setuid/setgid/sticky file under the workdir. */
const entrypoint = [
  'stat -c "%a %n" plain bin/setuid bin/setgid sticky suid',
  'echo special: $(find . -perm /7000 | wc -l)',
].join('; ');

async function assertMasked(lr: LightRunProc): Promise<void> {
  const { status, state } = await runSync(lr, { image: 'localhost/light-sh', files, entrypoint });
  assert.equal(status, 200);
  assert.equal(state.status, 'succeeded', JSON.stringify(state));
  const lines = (await logText(lr, state.id)).trim().split('\n');
  assert.deepEqual(lines, [...expected, 'special: 0']);
}

describe('pushed files cannot be setuid', () => {
  before(async () => {
    lr = track(scope, await startLightRun());
  });
  after(async () => {
    await lr?.[Symbol.asyncDispose]();
    await assertNoLeaksOf(scope);
  });

  test('a run with mode 0o6755 (and other special bits) gets 0o755 inside the container: no setuid file', async () => {
    await assertMasked(lr);
  });

  test('a mode above 0o7777 answers 400 naming the file, and no run is recorded', async () => {
    const runs = async () => ((await (await lr.api('/runs')).json()) as { runs: unknown[] }).runs.length;
    const before = await runs();
    const res = await lr.post('/run', {
      image: 'localhost/light-sh',
      files: { huge: { content: 'x', mode: 0o10000 } },
    });
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, /^files\.huge/);
    assert.equal(await runs(), before);
  });
});
