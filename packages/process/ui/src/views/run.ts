import { api } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { followRunEvents } from '../events.ts';
import { formatDuration, formatTime, statusBadge } from '../format.ts';
import { drawDag } from '../graph.ts';
import type { View } from '../router.ts';
import type { RunEvent, RunRecord, WorkflowDetail } from '../types.ts';
import { NodePanel, type NodeState } from './node-panel.ts';

async function workflowOf(run: RunRecord): Promise<WorkflowDetail> {
  try {
    return await api.workflow(run.workflowId);
  } catch (error) {
    console.info(`workflow ${run.workflowId} is gone; drawing the run's own nodes`, error);
    // The workflow was deleted since: draw the nodes the run knows, without links.
    const nodes = run.nodes.map((n) => ({ id: n.nodeId, name: null, image: '' }));
    return {
      id: run.workflowId,
      name: run.workflowName,
      description: null,
      nodeCount: nodes.length,
      persisted: false,
      nodes,
      links: [],
      inputSchema: null,
    };
  }
}

/** `#/runs/:id`: the graph coloured by live node status, each node's streaming logs and output. */
export const runView: View = async ({ id = '' }, signal) => {
  const run = await api.run(id);
  const workflow = await workflowOf(run);
  const panels = new Map<string, NodePanel>();
  const states = new Map<string, NodeState>();
  const dag = drawDag(workflow, (nodeId) => panels.get(nodeId)?.open());
  for (const node of workflow.nodes) panels.set(node.id, new NodePanel(node.id, node.name ?? node.id));

  const page = h('section', { class: 'page run-page', 'data-run-id': run.id });
  const badge = h('span', { class: 'run-status' }, statusBadge(run.status));
  const facts = h('dl', { class: 'facts' });
  const runError = h('div', {});
  const cancel = h('button', { class: 'danger', 'data-action': 'cancel' }, 'Cancel run');
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    api.cancelRun(run.id).catch((error: unknown) => {
      runError.replaceChildren(h('p', { class: 'form-error' }, String(error)));
    });
  });

  const showFacts = (r: RunRecord) => {
    replaceChildren(
      facts,
      h('dt', {}, 'Workflow'),
      h(
        'dd',
        {},
        h('a', { href: `#/workflows/${encodeURIComponent(r.workflowId)}` }, r.workflowName ?? r.workflowId),
      ),
      h('dt', {}, 'Started'),
      h('dd', {}, formatTime(r.createdAt)),
      h('dt', {}, 'Duration'),
      h('dd', {}, formatDuration(r.durationMs)),
      h('dt', {}, 'Input'),
      h('dd', {}, h('code', { class: 'mono' }, JSON.stringify(r.input))),
    );
    replaceChildren(badge, statusBadge(r.status));
    page.dataset.runStatus = r.status;
    cancel.hidden = r.status !== 'running';
    runError.replaceChildren(
      r.error ? h('p', { class: 'run-error' }, `${r.error.code}: ${r.error.message}`) : '',
    );
  };
  showFacts(run);

  const setState = (nodeId: string, change: Partial<NodeState>) => {
    const state = {
      ...(states.get(nodeId) ?? {
        status: 'pending',
        exitCode: null,
        durationMs: null,
        output: null,
        error: null,
      }),
      ...change,
    };
    states.set(nodeId, state);
    panels.get(nodeId)?.update(state);
    dag.setStatus(nodeId, state.status);
  };
  const apply = (event: RunEvent) => {
    if (event.type === 'node-started') {
      setState(event.nodeId, { status: 'running', exitCode: null, durationMs: null, error: null });
      panels.get(event.nodeId)?.markIteration(event.iteration);
      panels.get(event.nodeId)?.expand();
    } else if (event.type === 'log') {
      panels.get(event.nodeId)?.appendLog(event.stream, event.line);
    } else if (event.type === 'node-finished') {
      const { status, exitCode, durationMs, output, error } = event;
      setState(event.nodeId, { status, exitCode, durationMs, output, error });
    } else {
      for (const [nodeId, state] of states)
        if (state.status === 'running') setState(nodeId, { status: 'cancelled' });
      void api.run(run.id).then(showFacts);
    }
  };

  for (const node of workflow.nodes) dag.setStatus(node.id, 'pending');
  // followRunEvents reconnects and resumes by itself; what ends it early is an error answer.
  const follow = () =>
    followRunEvents(run.id, apply, signal).catch((error: unknown) => {
      console.warn('run event stream failed', error);
    });
  void follow();

  page.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', run.id),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Run ', h('span', { class: 'mono' }, run.id.slice(0, 8))),
      badge,
      h('span', { class: 'spacer' }),
      cancel,
    ),
    facts,
    runError,
    h('div', { class: 'panel graph-panel' }, h('div', { class: 'graph-scroll' }, dag.element)),
    h('div', { class: 'nodes' }, h('h2', {}, 'Nodes'), ...[...panels.values()].map((p) => p.element)),
  );
  return page;
};
