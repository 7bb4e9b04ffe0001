import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runBody } from '../../src/api/schemas.ts';
import { ValidationError } from '../../src/errors/light-run-error.ts';
import { parseOrThrow } from '../../src/errors/validate.ts';
import { bareHost, hostOfHeader } from '../../src/server/host-check.ts';
import { MAX_JSON_DEPTH, parseJsonBody } from '../../src/server/json-body.ts';
import { resolveOptions } from '../../src/server/options.ts';

/** The first issue path and message of a ValidationError thrown by `fn`. */
function issueOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.message;
  }
  assert.fail('no ValidationError thrown');
}

describe('the JSON body parser', () => {
  test('a __proto__ key anywhere is named with its path, not reported as invalid JSON', () => {
    assert.equal(
      issueOf(() => parseJsonBody('{"files":{"__proto__":"x"}}')),
      "files.__proto__: '__proto__' is not allowed as a key",
    );
    assert.equal(
      issueOf(() => parseJsonBody('{"input":[1,{"a":{"__proto__":{"polluted":true}}}]}')),
      "input.1.a.__proto__: '__proto__' is not allowed as a key",
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('constructor.prototype is named; a plain "constructor" key (a file name) is fine', () => {
    assert.match(
      issueOf(() => parseJsonBody('{"input":{"constructor":{"prototype":{}}}}')),
      /^input\.constructor\.prototype: /,
    );
    assert.deepEqual(parseJsonBody('{"files":{"constructor":"x"}}'), { files: { constructor: 'x' } });
  });

  test(`nesting deeper than ${MAX_JSON_DEPTH} levels is a 400 naming the top-level field; the limit itself passes`, () => {
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    assert.equal(
      issueOf(() => parseJsonBody(`{"input":${nested(100_000)}}`)),
      `input: nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
    assert.doesNotThrow(() => parseJsonBody(`{"input":${nested(MAX_JSON_DEPTH - 1)}}`));
    assert.throws(() => parseJsonBody(`{"input":${nested(MAX_JSON_DEPTH)}}`), ValidationError);
  });

  test('a syntax error stays a SyntaxError (answered as INVALID_JSON)', () => {
    assert.throws(() => parseJsonBody('{"image":'), SyntaxError);
  });
});

describe('the Host check', () => {
  test('hostOfHeader takes names, IPv4 and bracketed IPv6 with or without a port', () => {
    assert.equal(hostOfHeader('127.0.0.1:3001'), '127.0.0.1');
    assert.equal(hostOfHeader('LocalHost'), 'localhost');
    assert.equal(hostOfHeader('[::1]:80'), '::1');
    assert.equal(hostOfHeader('example.com.'), 'example.com');
  });

  test('hostOfHeader refuses credentials, paths, bad ports and spaces', () => {
    for (const header of ['user@host', 'host/x', 'host:port', 'a b', '[::1', '::1', '']) {
      assert.equal(hostOfHeader(header), undefined, header);
    }
  });

  test('--allowed-hosts entries must be bare hosts', () => {
    assert.equal(bareHost('light-run.internal'), 'light-run.internal');
    assert.equal(bareHost('light-run:3001'), undefined);
    assert.throws(
      () => resolveOptions({ dataDir: '/tmp/x', allowedHosts: ['light-run:3001'] }),
      /allowedHosts\.0: must be a host name or address, without a port/,
    );
  });
});

describe('the run body', () => {
  test('a file mode with setuid bits is accepted (it is masked when written); above 0o7777 it is not', () => {
    const file = (mode: number) => ({ image: 'img', files: { s: { content: '', mode } } });
    assert.doesNotThrow(() => parseOrThrow(runBody, file(0o6755)));
    assert.throws(() => parseOrThrow(runBody, file(0o10000)), /files\.s/);
  });

  test('".", a file/directory clash and a duplicate after normalisation are 400s naming the key', () => {
    assert.match(
      issueOf(() => parseOrThrow(runBody, { image: 'img', files: { '.': 'x' } })),
      /^files\.\.: must name a file/,
    );
    assert.match(
      issueOf(() => parseOrThrow(runBody, { image: 'img', files: { a: 'x', 'a/b': 'y' } })),
      /^files\.a: "a" is a file, but "a\/b" needs it to be a directory/,
    );
    assert.match(
      issueOf(() => parseOrThrow(runBody, { image: 'img', files: { 'a/b': 'x', 'a//b': 'y' } })),
      /^files\.a\/\/b: "a\/\/b" names the same file as "a\/b"/,
    );
  });
});
