// lp.js: light-process node helper (written by `light`; `light node helpers` rewrites it).
// CommonJS on purpose: `require('./lp.js')` and `import { input, send } from './lp.js'` both work.
// If your package.json says "type": "module", rename this file to lp.cjs.
'use strict';
if (typeof module === 'undefined' || typeof require === 'undefined') {
  throw new Error('lp.js is CommonJS: with "type": "module" rename it to lp.cjs and import from there');
}
const fs = require('node:fs');
const path = require('node:path');
const tty = require('node:tty');

/** Name of the output file light-process collects after the node succeeds. */
const OUTPUT_FILE = '.lp-output.json';

function readStdin() {
  if (tty.isatty(0)) return '';
  const chunks = [];
  const buffer = Buffer.alloc(65536);
  for (;;) {
    let n;
    try {
      n = fs.readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      if (error.code === 'EAGAIN') {
        // Non-blocking stdin: the data is not there yet; wait a little instead of spinning.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (error.code === 'EOF' || error.code === 'EBADF' || error.code === 'ENXIO') break; // no stdin
      throw error;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readInput() {
  const text = readStdin();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`lp.js: the input on stdin is not valid JSON: ${error.message}`);
  }
}

/** The node input (JSON from stdin; {} when there is none). @type {import('./lp-types').Input} */
const input = readInput();

/**
 * Sends the node output: writes it as JSON to .lp-output.json in the working directory.
 * Call it once with an object; a later call replaces the earlier output.
 * @param {Record<string, unknown>} output
 */
function send(output) {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) {
    throw new TypeError('lp.js: send() expects a plain object');
  }
  fs.writeFileSync(path.join(process.cwd(), OUTPUT_FILE), JSON.stringify(output));
}

module.exports.input = input;
module.exports.send = send;
