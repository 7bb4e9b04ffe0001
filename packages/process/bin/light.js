#!/usr/bin/env node
// The `light` command. All logic lives in the compiled CLI; this file only sets the exit code.
import { main } from '../dist/faces/cli/main.js';

process.exitCode = await main(process.argv);
