import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InMemoryRunner } from '../../src/adapters/memory/memory-runner.ts';
import { LightProcessError, WorkflowValidationError } from '../../src/definition/errors.ts';
import { executeWorkflow } from '../../src/engine/execute.ts';
import { prepareRun } from '../../src/engine/prepare.ts';
import { assertValidWorkflow, isValidatedWorkflow } from '../../src/validation/assert-valid.ts';

describe('validate once', () => {
  test('executeWorkflow runs plain JSON that leaves out links, services and networkDefs', async () => {
    const runner = new InMemoryRunner(() => ({ output: { ok: true } }));
    // Parsed from text on purpose: no field the schema defaults is present.
    const plain: unknown = JSON.parse(
      '{"id":"plain","nodes":[{"id":"a","image":"localhost/light-sh","entrypoint":"true"}]}',
    );
    const result = await executeWorkflow(plain as { id: string; nodes: [] }, {}, { runner });
    assert.equal(result.success, true, result.error?.message);
    assert.deepEqual(result.results.a?.output, { ok: true });
    assert.deepEqual(runner.events, ['start:true', 'end:true:succeeded']);
  });

  test('executeWorkflow refuses an invalid definition before anything runs, naming the problem', async () => {
    const runner = new InMemoryRunner(() => ({}));
    const invalid = {
      id: 'bad',
      nodes: [{ id: 'a', image: 'localhost/light-sh' }],
      links: [{ from: 'a', to: 'x' }],
    };
    await assert.rejects(executeWorkflow(invalid, {}, { runner }), (error: unknown) => {
      assert.ok(error instanceof WorkflowValidationError);
      assert.match(error.message, /unknown/i);
      return true;
    });
    assert.deepEqual(runner.events, []);
  });

  test('a definition assertValidWorkflow returned is frozen, defaulted and accepted as it is', () => {
    const parsed = assertValidWorkflow({ id: 'w', nodes: [{ id: 'a', image: 'localhost/light-sh' }] });
    assert.deepEqual(parsed.services, []);
    assert.deepEqual(parsed.links, []);
    assert.ok(Object.isFrozen(parsed) && Object.isFrozen(parsed.nodes[0]));
    assert.ok(isValidatedWorkflow(parsed));
    assert.equal(assertValidWorkflow(parsed), parsed, 'not parsed a second time');
    assert.equal(prepareRun(parsed, {}, { env: {} }).definition, parsed);
    assert.equal(isValidatedWorkflow({ ...parsed }), false, 'a copy is checked again');
  });

  test('prepareRun refuses a null or non-object input and a missing variable with the engine codes', () => {
    const def = { id: 'w', nodes: [{ id: 'a', image: 'localhost/light-sh', env: ['NEEDED'] }] };
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof LightProcessError);
        return error.code;
      }
      return 'none';
    };
    assert.equal(
      code(() => prepareRun(def, null, { env: { NEEDED: 'x' } })),
      'INPUT_INVALID',
    );
    assert.equal(
      code(() => prepareRun(def, [1], { env: { NEEDED: 'x' } })),
      'INPUT_INVALID',
    );
    assert.equal(
      code(() => prepareRun(def, {}, { env: {} })),
      'ENV_MISSING',
    );
    assert.deepEqual(prepareRun(def, undefined, { env: { NEEDED: 'x' } }).input, {});
  });
});
