import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { assertNoLeaks } from '../../../../test/support/leaks.ts';
import { stateQuery } from '../../src/api/queries.ts';
import { runBody } from '../../src/api/schemas.ts';
import { bearerToken, tokenMatches } from '../../src/auth/bearer.ts';
import { ValidationError } from '../../src/errors/light-run-error.ts';
import { parseOrThrow } from '../../src/errors/validate.ts';
import { parseByteSize } from '../../src/util/byte-size.ts';
import { parseDurationMs } from '../../src/util/duration.ts';

after(() => assertNoLeaks());

describe('parsing helpers', () => {
  test('parseDurationMs reads plain milliseconds and units', () => {
    assert.equal(parseDurationMs('30000'), 30000);
    assert.equal(parseDurationMs('30s'), 30000);
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('1.5m'), 90000);
    assert.equal(parseDurationMs('soon'), undefined);
    assert.equal(parseDurationMs('-1'), undefined);
  });

  test('parseByteSize reads binary units in any case', () => {
    assert.equal(parseByteSize('10mb'), 10 * 1024 * 1024);
    assert.equal(parseByteSize('512K'), 512 * 1024);
    assert.equal(parseByteSize('1GiB'), 1024 ** 3);
    assert.equal(parseByteSize('2048'), 2048);
    assert.equal(parseByteSize('10 parsecs'), undefined);
  });

  test('?wait= with a non-duration is a validation error naming wait', () => {
    assert.throws(
      () => parseOrThrow(stateQuery, { wait: 'forever' }),
      (err: unknown) => err instanceof ValidationError && err.field === 'wait',
    );
    assert.deepEqual(parseOrThrow(stateQuery, { wait: '2s' }), { wait: 2000 });
  });

  test('a traversal in files is a validation error naming files.<path>', () => {
    assert.throws(
      () => parseOrThrow(runBody, { image: 'localhost/light-sh', files: { '../etc/passwd': 'x' } }),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.field === 'files.../etc/passwd' &&
        err.message === "files.../etc/passwd: must not contain '..'",
    );
  });

  test('an unknown body field is named', () => {
    assert.throws(
      () => parseOrThrow(runBody, { image: 'localhost/light-sh', command: 'ls' }),
      (err: unknown) => err instanceof ValidationError && err.field === 'command',
    );
  });

  test('tokenMatches accepts only the exact token, whatever its length', () => {
    assert.equal(tokenMatches('s3cret', 's3cret'), true);
    assert.equal(tokenMatches('s3cret', 's3cre'), false);
    assert.equal(tokenMatches('s3cret', 's3cret-and-more'), false);
    assert.equal(tokenMatches('s3cret', undefined), false);
  });

  test('bearerToken reads the Bearer scheme only', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer abc'), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
