import { test } from 'node:test';
import { assertNoLeaks } from './support/leaks.ts';

// Runs last (scripts/run-tests.mjs orders it so): the whole suite left nothing behind.
test('the test suite leaves no containers, networks, volumes, temp dirs or light-run processes', async () => {
  await assertNoLeaks();
});
