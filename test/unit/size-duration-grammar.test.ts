import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import * as processCli from '../../packages/process/src/faces/cli/options.ts';
import { parseByteSize as runByteSize } from '../../packages/run/src/util/byte-size.ts';
import { parseDurationMs as runDurationMs } from '../../packages/run/src/util/duration.ts';

// The one grammar of sizes and durations (root README, "Sizes and durations"), as a table.
// light-run and light-process each hold a parser (process may not load light-run's code):
// both must give every answer below.

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** Text -> bytes, or undefined when it is not a size. */
const SIZES: [string, number | undefined][] = [
  ['0', 0],
  ['2048', 2048],
  ['10b', 10],
  ['512k', 512 * KiB],
  ['512K', 512 * KiB],
  ['512kb', 512 * KiB],
  ['512KiB', 512 * KiB],
  ['10m', 10 * MiB],
  ['10mb', 10 * MiB],
  ['10 MB', 10 * MiB],
  ['10MiB', 10 * MiB],
  ['1g', GiB],
  ['1GiB', GiB],
  ['1.5g', 1.5 * GiB],
  ['0.5k', 512],
  ['1.3k', 1331],
  [' 20m ', 20 * MiB],
  ['', undefined],
  ['k', undefined],
  ['-1', undefined],
  ['+1', undefined],
  ['1e3', undefined],
  ['1,5m', undefined],
  ['.5m', undefined],
  ['10 parsecs', undefined],
  ['10i', undefined],
  ['10ib', undefined],
  ['1t', undefined],
  ['1m2', undefined],
];

/** Text -> milliseconds, or undefined when it is not a duration. */
const DURATIONS: [string, number | undefined][] = [
  ['0', 0],
  ['30000', 30_000],
  ['250ms', 250],
  ['30s', 30_000],
  ['30S', 30_000],
  ['30 s', 30_000],
  ['1.5m', 90_000],
  ['2h', 7_200_000],
  ['7d', 604_800_000],
  ['0.0004s', 0],
  ['1.5ms', 2],
  [' 90s ', 90_000],
  ['', undefined],
  ['s', undefined],
  ['soon', undefined],
  ['-1', undefined],
  ['1e3', undefined],
  ['1w', undefined],
  ['1h30m', undefined],
  ['1.5.2s', undefined],
];

const parsers = {
  'light-run': { size: runByteSize, duration: runDurationMs },
  'light-process CLI': { size: processCli.parseByteSize, duration: processCli.parseDurationMs },
};

for (const [name, parse] of Object.entries(parsers)) {
  describe(`${name} reads the one size and duration grammar`, () => {
    test('every size of the table gives its bytes, every non-size undefined', () => {
      for (const [text, bytes] of SIZES) assert.equal(parse.size(text), bytes, JSON.stringify(text));
    });
    test('every duration of the table gives its milliseconds, every non-duration undefined', () => {
      for (const [text, ms] of DURATIONS) assert.equal(parse.duration(text), ms, JSON.stringify(text));
    });
  });
}

describe("light-process's commander parsers follow the table", () => {
  test('--max-node-bytes takes every size and refuses every non-size with a usage error', () => {
    for (const [text, bytes] of SIZES) {
      if (bytes === undefined) assert.throws(() => processCli.bytesOption(text), InvalidArgumentError, text);
      else assert.equal(processCli.bytesOption(text), bytes);
    }
  });
  test('--timeout takes every positive duration and refuses zero and every non-duration', () => {
    for (const [text, ms] of DURATIONS) {
      if (ms === undefined || ms <= 0) {
        assert.throws(() => processCli.durationOption(text), InvalidArgumentError, text);
      } else assert.equal(processCli.durationOption(text), ms);
    }
  });
});
