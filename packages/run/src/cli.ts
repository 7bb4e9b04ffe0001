import { main } from './cli/main.ts';

// The entry of the `light-run` bin: the exit code is decided by main(), and set here.
const code = await main(process.argv);
process.exitCode = code;
// Whatever handle might still hold the loop (a keep-alive socket of the engine client),
// the process must end once the service is down.
setTimeout(() => process.exit(code), 3000).unref();
