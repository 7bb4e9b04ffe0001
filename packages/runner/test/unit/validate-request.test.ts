import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../../src/index.ts';
import { validateRequest } from '../../src/run/validate-request.ts';

const rejects = (request: Parameters<typeof validateRequest>[0], field: RegExp) => {
  assert.throws(
    () => validateRequest(request),
    (err: unknown) =>
      err instanceof InvalidRequestError && err.code === 'INVALID_REQUEST' && field.test(err.message),
  );
};

test('validateRequest rejects file paths with .., absolute paths, NUL and over-long segments', () => {
  rejects({ image: 'localhost/light-sh', files: { '../x': 'a' } }, /files.*\.\./);
  rejects({ image: 'localhost/light-sh', files: { 'a/../../x': 'a' } }, /\.\./);
  rejects({ image: 'localhost/light-sh', files: { '/etc/passwd': 'a' } }, /absolute/);
  rejects({ image: 'localhost/light-sh', files: { 'a\0b': 'a' } }, /NUL/);
  rejects({ image: 'localhost/light-sh', files: { [`${'x'.repeat(256)}`]: 'a' } }, /segment/);
  rejects({ image: 'localhost/light-sh', files: { './': 'a' } }, /name a file/);
});

test('validateRequest rejects bad extract paths, workdirs, env names, ids, inputs and base64', () => {
  rejects({ image: 'localhost/light-sh', extract: ['../../etc'] }, /extract/);
  rejects({ image: 'localhost/light-sh', workdir: 'relative' }, /workdir/);
  rejects({ image: 'localhost/light-sh', env: { 'A-B': 'x' } }, /env/);
  rejects({ image: 'localhost/light-sh', id: 'has space' }, /id/);
  rejects({ image: 'localhost/light-sh', input: 10n }, /input/);
  rejects({ image: 'localhost/light-sh', networks: ['none', 'other'] }, /networks/);
  rejects({ image: 'localhost/light-sh', files: { a: { content: '###', encoding: 'base64' } } }, /base64/);
  rejects({ image: '' }, /image/);
});

test('validateRequest applies defaults and resolves extract paths against the workdir', () => {
  const valid = validateRequest({
    image: 'localhost/light-sh',
    extract: ['out.txt', '/tmp/x/', 'out.txt'],
    env: { A: '$(x)' },
    input: { a: 1 },
  });
  assert.equal(valid.workdir, '/app');
  assert.deepEqual(valid.extract, ['/app/out.txt', '/tmp/x']);
  assert.deepEqual(valid.env, ['A=$(x)']);
  assert.equal(valid.stdin?.toString(), '{"a":1}');
  assert.match(valid.id, /^[0-9a-f-]{36}$/);
});
