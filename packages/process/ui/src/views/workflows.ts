import { api } from '../api.ts';
import { h } from '../dom.ts';
import type { View } from '../router.ts';

/** `#/`: every served workflow, as cards. */
export const workflowsView: View = async () => {
  const workflows = await api.workflows();
  const page = h('section', { class: 'page' }, h('h1', {}, 'Workflows'));
  if (workflows.length === 0) {
    page.append(
      h(
        'p',
        { class: 'empty' },
        'No workflows in the served folder. Add one with ',
        h('code', {}, 'light init'),
        ' or ',
        h('code', {}, 'light push'),
        '.',
      ),
    );
    return page;
  }
  const list = h('ul', { class: 'cards' });
  for (const wf of workflows) {
    list.append(
      h(
        'li',
        {},
        h(
          'a',
          {
            class: 'card workflow-card',
            href: `#/workflows/${encodeURIComponent(wf.id)}`,
            'data-workflow-id': wf.id,
          },
          h('h2', {}, wf.name ?? wf.id),
          h('p', { class: 'muted mono' }, wf.id),
          wf.description ? h('p', {}, wf.description) : null,
          h(
            'p',
            { class: 'meta' },
            `${wf.nodeCount} node${wf.nodeCount === 1 ? '' : 's'}`,
            wf.persisted
              ? null
              : h(
                  'span',
                  { class: 'tag', title: 'registered over the API, not saved to the folder' },
                  'in memory',
                ),
          ),
        ),
      ),
    );
  }
  page.append(list);
  return page;
};
