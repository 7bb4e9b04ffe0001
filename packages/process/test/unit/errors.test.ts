import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CommanderError } from 'commander';
import { tempDir } from '../../../../test/support/temp.ts';
import {
  LightProcessError,
  UsageError,
  WorkflowFileError,
  WorkflowValidationError,
} from '../../src/definition/errors.ts';
import { EXIT, exitCodeFor } from '../../src/faces/cli/exit-codes.ts';
import { Node } from '../../src/sdk/node.ts';
import { light } from './cli-support.ts';

test('toJSON carries code, message and subject, never the stack or cause', () => {
  const error = new WorkflowFileError('bad', {
    file: 'a/.node.json',
    field: 'timeout',
    nodeId: 'a',
    cause: new Error('x'),
  });
  assert.deepEqual(error.toJSON(), {
    name: 'WorkflowFileError',
    code: 'WORKFLOW_FILE_INVALID',
    message: 'bad',
    nodeId: 'a',
    file: 'a/.node.json',
    field: 'timeout',
  });
  assert.ok(error instanceof LightProcessError);
  assert.ok(error.cause instanceof Error);
});

test('exit codes are decided in one place', () => {
  assert.equal(exitCodeFor(new UsageError('x')), EXIT.usage);
  assert.equal(exitCodeFor(new WorkflowFileError('x')), EXIT.usage);
  assert.equal(exitCodeFor(new WorkflowValidationError([])), EXIT.usage);
  assert.equal(exitCodeFor(new LightProcessError('LIGHT_RUN_UNREACHABLE', 'x')), EXIT.failed);
  assert.equal(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x')), EXIT.usage);
  assert.equal(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', 'x')), EXIT.ok);
  assert.equal(exitCodeFor(new DOMException('aborted', 'AbortError')), EXIT.interrupted);
  assert.equal(exitCodeFor(new Error('boom')), EXIT.failed);
});

test('a DefinitionError echoes short wrong values', () => {
  assert.throws(() => new Node({ id: 'a b', image: 'x' }), /field "id": ids are .* \(got "a b"\)$/);
});

test('Node.fromFolder reads .node.json and the code files', async () => {
  using dir = tempDir();
  mkdirSync(join(dir.path, 'n'));
  writeFileSync(
    join(dir.path, 'n', '.node.json'),
    JSON.stringify({ id: 'n', image: 'localhost/light-sh', entrypoint: 'sh run.sh' }),
  );
  writeFileSync(join(dir.path, 'n', 'run.sh'), 'echo hi\n');
  const node = await Node.fromFolder(join(dir.path, 'n'));
  assert.equal(node.entrypoint, 'sh run.sh');
  assert.deepEqual(node.files, { 'run.sh': 'echo hi\n' });
});

test('light check validates a packed file too and reports an unexpected error as exit 1', async () => {
  using dir = tempDir();
  const file = join(dir.path, 'p.json');
  writeFileSync(
    file,
    JSON.stringify({ id: 'p', nodes: [{ id: 'a', image: 'x' }], links: [{ from: 'a', to: 'a' }] }),
  );
  const check = await light('check', file);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /cycle a -> a has no maxIterations/);
});

test('the engine refusing a variable or the input is an input error: exit 2, decided in exit-codes alone', () => {
  assert.equal(exitCodeFor(new LightProcessError('ENV_MISSING', 'x')), EXIT.usage);
  assert.equal(exitCodeFor(new LightProcessError('INPUT_INVALID', 'x')), EXIT.usage);
  assert.equal(exitCodeFor(new LightProcessError('REMOTE_FAILED', 'x')), EXIT.failed);
});
