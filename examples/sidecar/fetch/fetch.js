// Fetches the service's file by its hostname (MESSAGE_URL comes from providesEnv),
// retrying while httpd starts, and passes it on: {"message": "...", "url": "..."}.
const { send } = require('./lp.js');

const url = process.env.MESSAGE_URL;

async function main() {
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const message = (await response.text()).trim();
      console.log(`got "${message}" from ${url} (attempt ${attempt})`);
      send({ message, url });
      return;
    } catch (error) {
      console.error(`attempt ${attempt}: ${error.cause?.code ?? error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  console.error(`cannot reach ${url}`);
  process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
