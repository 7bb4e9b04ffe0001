import type { NodeDefinition } from '../definition/definitions.ts';
import type { HelperLanguage } from './write-helpers.ts';

/** Default images of new nodes: built locally by the setup script, so they work offline. */
export const DEFAULT_IMAGES: Record<HelperLanguage, string> = {
  js: 'localhost/light-node',
  python: 'localhost/light-python',
};

/** A new node: its `.node.json` and its code files (the helper and stubs are added separately). */
export interface NodeTemplate {
  definition: NodeDefinition;
  files: Record<string, string>;
}

const GREETING_INPUTS = {
  type: 'object',
  properties: { name: { type: 'string', description: 'Who to greet.' } },
};
const GREETING_OUTPUTS = {
  type: 'object',
  properties: { greeting: { type: 'string' } },
  required: ['greeting'],
};

/**
 * A node that greets `input.name`, in JavaScript or Python, using the helper.
 * @param image the node's image. @default `DEFAULT_IMAGES[lang]`
 */
export function nodeTemplate(
  id: string,
  lang: HelperLanguage,
  name = id,
  image: string = DEFAULT_IMAGES[lang],
): NodeTemplate {
  if (lang === 'python') {
    return {
      definition: {
        id,
        name,
        image,
        entrypoint: 'python3 main.py',
        inputs: GREETING_INPUTS,
        outputs: GREETING_OUTPUTS,
      },
      files: {
        'main.py': `from lp import input, send

name = input.get("name") or "world"
print(f"Hello, {name}!")
send({"greeting": f"Hello, {name}!"})
`,
      },
    };
  }
  return {
    definition: {
      id,
      name,
      image,
      entrypoint: 'node index.js',
      inputs: GREETING_INPUTS,
      outputs: GREETING_OUTPUTS,
    },
    files: {
      'index.js': `const { input, send } = require('./lp.js');

const name = input.name || 'world';
console.log(\`Hello, \${name}!\`);
send({ greeting: \`Hello, \${name}!\` });
`,
    },
  };
}
