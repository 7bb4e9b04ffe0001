import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conditionLabel } from '../../src/definition/conditions/condition-label.ts';
import { evaluateCondition } from '../../src/definition/conditions/evaluate.ts';
import { validateCondition } from '../../src/definition/conditions/validate-condition.ts';
import { ConditionError } from '../../src/definition/errors.ts';

const output = {
  status: 'ok',
  score: 0.7,
  count: 3,
  tags: ['a', 'b'],
  result: { items: [{ name: 'first' }], nested: { deep: true } },
  nothing: null,
};

describe('evaluateCondition', () => {
  test('no condition always matches', () => {
    assert.equal(evaluateCondition(undefined, output), true);
  });
  test('a plain value is an exact, deep match', () => {
    assert.equal(evaluateCondition({ status: 'ok' }, output), true);
    assert.equal(evaluateCondition({ status: 'OK' }, output), false);
    assert.equal(evaluateCondition({ tags: ['a', 'b'] }, output), true);
    assert.equal(evaluateCondition({ tags: ['b', 'a'] }, output), false);
    assert.equal(evaluateCondition({ nothing: null }, output), true);
  });
  test('dotted paths reach nested fields and array items', () => {
    assert.equal(evaluateCondition({ 'result.nested.deep': true }, output), true);
    assert.equal(evaluateCondition({ 'result.items.0.name': 'first' }, output), true);
    assert.equal(evaluateCondition({ 'result.items.1.name': 'first' }, output), false);
    assert.equal(evaluateCondition({ 'result.missing.x': 1 }, output), false);
  });
  test('gt, gte, lt, lte compare numbers and never match other types', () => {
    assert.equal(evaluateCondition({ score: { gt: 0.5 } }, output), true);
    assert.equal(evaluateCondition({ score: { gt: 0.7 } }, output), false);
    assert.equal(evaluateCondition({ score: { gte: 0.7 } }, output), true);
    assert.equal(evaluateCondition({ count: { lt: 3 } }, output), false);
    assert.equal(evaluateCondition({ count: { lte: 3 } }, output), true);
    assert.equal(evaluateCondition({ status: { gt: 1 } }, output), false);
    assert.equal(evaluateCondition({ count: { gt: 1, lt: 5 } }, output), true);
  });
  test('ne, in, eq', () => {
    assert.equal(evaluateCondition({ status: { ne: 'error' } }, output), true);
    assert.equal(evaluateCondition({ status: { ne: 'ok' } }, output), false);
    assert.equal(evaluateCondition({ status: { in: ['ok', 'warn'] } }, output), true);
    assert.equal(evaluateCondition({ count: { in: [1, 2] } }, output), false);
    assert.equal(evaluateCondition({ 'result.nested': { eq: { deep: true } } }, output), true);
  });
  test('exists checks presence, null counts as present', () => {
    assert.equal(evaluateCondition({ status: { exists: true } }, output), true);
    assert.equal(evaluateCondition({ missing: { exists: false } }, output), true);
    assert.equal(evaluateCondition({ missing: { exists: true } }, output), false);
    assert.equal(evaluateCondition({ nothing: { exists: true } }, output), true);
  });
  test('regex tests strings and numbers', () => {
    assert.equal(evaluateCondition({ status: { regex: '^o' } }, output), true);
    assert.equal(evaluateCondition({ count: { regex: '^3$' } }, output), true);
    assert.equal(evaluateCondition({ tags: { regex: 'a' } }, output), false);
  });
  test('or matches when any alternative matches, top-level keys are ANDed', () => {
    assert.equal(evaluateCondition({ or: [{ status: 'error' }, { score: { gt: 0.5 } }] }, output), true);
    assert.equal(evaluateCondition({ or: [{ status: 'error' }, { score: { gt: 0.9 } }] }, output), false);
    assert.equal(evaluateCondition({ status: 'ok', count: 3 }, output), true);
    assert.equal(evaluateCondition({ status: 'ok', count: 4 }, output), false);
    assert.equal(evaluateCondition({ status: 'ok', or: [{ count: 4 }, { count: 3 }] }, output), true);
  });
  test('an unknown operator or an invalid regex throws ConditionError naming the field', () => {
    assert.throws(
      () => evaluateCondition({ score: { gtx: 1 } }, output),
      (e: unknown) => {
        assert.ok(e instanceof ConditionError);
        assert.equal(e.message, "unknown operator 'gtx' on field 'score'");
        assert.equal(e.field, 'score');
        return true;
      },
    );
    assert.throws(
      () => evaluateCondition({ status: { regex: '(' } }, output),
      /invalid regex on field 'status'/,
    );
  });
});

describe('validateCondition', () => {
  const site = { index: 2, from: 'a', to: 'b' };
  test('a valid condition has no problems', () => {
    assert.deepEqual(validateCondition({ status: 'ok', or: [{ score: { gte: 1 } }] }, site), []);
  });
  test('an unknown operator names the link, the operator and the field', () => {
    const [p, ...rest] = validateCondition({ score: { gtx: 5 } }, site);
    assert.equal(rest.length, 0);
    assert.equal(p?.code, 'UNKNOWN_OPERATOR');
    assert.equal(p?.message, "links[2] (a -> b): unknown operator 'gtx' on field 'score'");
    assert.equal(p?.path, 'links[2].when.score.gtx');
  });
  test('an invalid regex is reported with the reason', () => {
    const [p] = validateCondition({ or: [{ name: { regex: '([a-z' } }] }, site);
    assert.equal(p?.code, 'INVALID_REGEX');
    assert.match(p?.message ?? '', /^links\[2\] \(a -> b\): invalid regex '\(\[a-z' on field 'name': /);
    assert.equal(p?.path, 'links[2].when.or[0].name.regex');
  });
  test('malformed operands are reported', () => {
    const problems = validateCondition({ a: { in: 3 }, b: { exists: 'yes' }, or: [] }, site);
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        "links[2] (a -> b): 'in' on field 'a' expects an array",
        "links[2] (a -> b): 'exists' on field 'b' expects true or false",
        "links[2] (a -> b): 'or' must be a non-empty array of conditions",
      ],
    );
  });
});

test('conditionLabel reads a condition as text', () => {
  assert.equal(
    conditionLabel({ score: { gte: 0.5 }, or: [{ status: 'ok' }, { retry: true }] }),
    'score >= 0.5 and (status = "ok" or retry = true)',
  );
  assert.equal(conditionLabel({ name: { regex: '^a' }, x: { exists: false } }), 'name ~ /^a/ and x missing');
});
