import { apiKey, onKeyNeeded } from './api.ts';
import { promptForKey } from './key-prompt.ts';
import { Router } from './router.ts';
import { runView } from './views/run.ts';
import { runsView } from './views/runs.ts';
import { workflowView } from './views/workflow.ts';
import { workflowsView } from './views/workflows.ts';

// Entry point of the web UI served by `light serve`.

onKeyNeeded(promptForKey);

const forget = document.querySelector<HTMLButtonElement>('#forget-key');
if (forget) {
  forget.hidden = apiKey.get() === null;
  forget.addEventListener('click', () => {
    apiKey.clear();
    forget.hidden = true;
    location.reload();
  });
  window.addEventListener('storage', () => {
    forget.hidden = apiKey.get() === null;
  });
}

const outlet = document.querySelector<HTMLElement>('#app');
if (outlet) {
  new Router(outlet)
    .add('/', workflowsView)
    .add('/workflows/:id', workflowView)
    .add('/runs', runsView)
    .add('/runs/:id', runView)
    .start();
}
