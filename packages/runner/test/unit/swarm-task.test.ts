import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveOptions } from '../../src/run/options.ts';
import { validateRequest } from '../../src/run/validate-request.ts';
import { OutputChannel } from '../../src/swarm/output-channel.ts';
import { repositoryPath } from '../../src/swarm/publish-image.ts';
import { serviceSpec } from '../../src/swarm/service-spec.ts';
import { imageCommand, shellQuote, taskScript } from '../../src/swarm/task-script.ts';

describe('swarm task script and output channel', () => {
  test('shellQuote and imageCommand survive quotes and spaces', () => {
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(imageCommand(['/bin/sh', '-c'], ['echo "a b"']), `'/bin/sh' '-c' 'echo "a b"'`);
    assert.equal(imageCommand(null, ['sh']), `'sh'`);
  });

  test('a run service resolves by DNS to its task (no virtual IP, which needs IPVS) under its run id', () => {
    const request = validateRequest({ id: 'r1', image: 'localhost/light-sh', networks: ['net-a', 'bridge'] });
    const options = resolveOptions({
      stateDir: '/nonexistent/state',
      artifactsDir: '/nonexistent/artifacts',
    });
    const spec = serviceSpec(request, options, 'reg:5117/light-sh:latest', [], 'n0nce') as {
      EndpointSpec: unknown;
      TaskTemplate: { Networks: unknown };
    };
    assert.deepEqual(spec.EndpointSpec, { Mode: 'dnsrr' });
    assert.deepEqual(spec.TaskTemplate.Networks, [
      { Target: 'net-a', Aliases: ['r1'] },
      { Target: 'bridge' },
    ]);
  });

  test('repositoryPath drops the registry host and adds :latest', () => {
    assert.equal(repositoryPath('localhost/light-sh'), 'light-sh:latest');
    assert.equal(repositoryPath('registry.example:5000/team/app:1.2'), 'team/app:1.2');
    assert.equal(repositoryPath('node:22'), 'node:22');
    assert.equal(repositoryPath('library/busybox'), 'library/busybox:latest');
  });

  test('the script runs the command in the workdir and sends extract paths on stdout, which the channel takes back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'light-swarm-unit-'));
    try {
      const workdir = join(dir, 'work');
      const script = taskScript({
        workdir,
        command: `echo visible; printf 'x=%s' "it's" > out.txt`,
        filesChunks: 0,
        hasStdin: false,
        extract: [join(workdir, 'out.txt'), join(workdir, 'missing')],
        nonce: 'n0nce',
      });
      writeFileSync(join(dir, 'start.sh'), script);
      const stdout = execFileSync('sh', [join(dir, 'start.sh')], { encoding: 'utf8' });
      const channel = new OutputChannel('n0nce', [join(workdir, 'out.txt')], 1024 * 1024);
      const logged = stdout.split('\n').filter((line) => line !== '' && !channel.take(line));
      assert.deepEqual(logged, ['visible']);
      assert.equal(channel.exitCode, 0);
      const tar = channel.result().archives.get(0);
      assert.ok(tar && tar.length >= 1024, 'a tar of out.txt came back');
      assert.match(tar.toString('latin1'), /x=it's/);
      assert.equal(channel.result().archives.has(1), false, 'a missing path sends nothing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failing command exits with its code and sends no outputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'light-swarm-unit-'));
    try {
      const script = taskScript({
        workdir: join(dir, 'w'),
        command: 'echo > o.txt; exit 3',
        filesChunks: 0,
        hasStdin: false,
        extract: [join(dir, 'w', 'o.txt')],
        nonce: 'abc',
      });
      writeFileSync(join(dir, 'start.sh'), script);
      let out = '';
      let code = 0;
      try {
        execFileSync('sh', [join(dir, 'start.sh')], { encoding: 'utf8' });
      } catch (err) {
        out = String((err as { stdout: string }).stdout);
        code = (err as { status: number }).status;
      }
      assert.equal(code, 3);
      const channel = new OutputChannel('abc', [], 1024);
      for (const line of out.split('\n')) channel.take(line);
      assert.equal(channel.exitCode, 3);
      assert.equal(channel.result().archives.size, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the channel refuses more than its cap and ignores lines with another nonce', () => {
    const channel = new OutputChannel('n', ['/app/big'], 10);
    assert.equal(channel.take('@@other exit 0'), false);
    assert.equal(channel.take('@@n extract 0'), true);
    assert.throws(() => channel.take('A'.repeat(100)), { code: 'EXTRACT_TOO_LARGE' });
  });
});
