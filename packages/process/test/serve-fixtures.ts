import type { WorkflowDefinition } from '../src/definition/definitions.ts';
import { saveWorkflowToFolder } from '../src/files/save-workflow.ts';

// Workflows the `light serve` tests run in real containers (the local localhost/light-sh image).

const HELLO = `input=$(cat)
name=$(printf '%s' "$input" | sed -n 's/.*"name" *: *"\\([^"]*\\)".*/\\1/p')
echo "hello $name"
sleep 1
printf '{"greeting":"hello %s"}' "$name" > .lp-output.json
`;

const SHOUT = `input=$(cat)
printf '%s\\n' "$input" | tr 'a-z' 'A-Z'
sleep 1
printf '{"shouted":true}' > .lp-output.json
`;

/** Two nodes: `hello` greets the input name, `shout` runs when hello produced a greeting. */
export const greetWorkflow: WorkflowDefinition = {
  id: 'greet',
  name: 'Greet',
  description: 'Says hello, then shouts it',
  inputs: {
    type: 'object',
    properties: { name: { type: 'string', description: 'who to greet' } },
    required: ['name'],
  },
  nodes: [
    {
      id: 'hello',
      name: 'Say hello',
      image: 'localhost/light-sh',
      entrypoint: 'sh hello.sh',
      files: { 'hello.sh': HELLO },
    },
    {
      id: 'shout',
      name: 'Shout',
      image: 'localhost/light-sh',
      entrypoint: 'sh shout.sh',
      files: { 'shout.sh': SHOUT },
    },
  ],
  links: [{ from: 'hello', to: 'shout', when: { greeting: { exists: true } } }],
  // A bound (ms) so that a stuck container fails the test instead of hanging it.
  defaults: { timeout: 60_000 },
  networkDefs: [],
  services: [],
};

/** One node that sleeps for two minutes: something to cancel. */
export const sleepyWorkflow: WorkflowDefinition = {
  id: 'sleepy',
  nodes: [{ id: 'nap', image: 'localhost/light-sh', entrypoint: 'echo "going to sleep"; sleep 120' }],
  links: [],
  networkDefs: [],
  services: [],
};

/** One node that prints to stderr and exits 3. */
export const failingWorkflow: WorkflowDefinition = {
  id: 'failing',
  nodes: [{ id: 'boom', image: 'localhost/light-sh', entrypoint: 'echo "about to fail" >&2; exit 3' }],
  links: [],
  networkDefs: [],
  services: [],
};

/** Writes workflows as folders under `dir` (one folder per workflow, named by id). */
export async function writeWorkflows(dir: string, workflows: WorkflowDefinition[]): Promise<void> {
  for (const wf of workflows) await saveWorkflowToFolder(wf, `${dir}/${wf.id}`);
}

/** Reads a Server-Sent Events response to its end and returns the events' JSON data, in order. */
export async function readEvents(response: Response): Promise<{ type: string; [key: string]: unknown }[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice(6)) as { type: string });
}
