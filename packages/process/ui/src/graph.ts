import dagre from '@dagrejs/dagre';
import { svg } from './dom.ts';
import { conditionLabel } from './format.ts';
import type { WorkflowDetail } from './types.ts';

const NODE_WIDTH = 168;
const NODE_HEIGHT = 56;
const CHAR_WIDTH = 6.6;

/** A drawn DAG: the SVG, and a way to colour a node by status. */
export interface DagView {
  element: SVGSVGElement;
  setStatus(nodeId: string, status: string): void;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function edgePath(points: { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  // A smooth curve through dagre's control points (quadratic segments through midpoints).
  let d = `M ${first.x} ${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i] as { x: number; y: number };
    const next = rest[i + 1] as { x: number; y: number };
    d += ` Q ${p.x} ${p.y} ${(p.x + next.x) / 2} ${(p.y + next.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L ${last.x} ${last.y}`;
  return d;
}

/**
 * Lays a workflow out with dagre (left to right) and draws it as SVG: a box per node,
 * a curve per link, the link's condition (and loop bound) as its label.
 */
export function drawDag(workflow: WorkflowDetail, onSelect?: (nodeId: string) => void): DagView {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 72, edgesep: 16, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of workflow.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  workflow.links.forEach((link, i) => {
    const parts = [conditionLabel(link.when), link.maxIterations ? `≤ ${link.maxIterations}×` : ''].filter(
      Boolean,
    );
    const label = shorten(parts.join(' · '), 40);
    g.setEdge(
      link.from,
      link.to,
      { label, width: label ? label.length * CHAR_WIDTH + 12 : 0, height: label ? 20 : 0, labelpos: 'c' },
      `link-${i}`,
    );
  });
  dagre.layout(g);
  const graph = g.graph() as { width?: number; height?: number };
  const width = Math.max(graph.width ?? 0, 200);
  const height = Math.max(graph.height ?? 0, 80);

  const root = svg('svg', {
    class: 'dag',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `graph of workflow ${workflow.id}`,
  });
  root.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }),
      ),
    ),
  );
  for (const e of g.edges()) {
    const edge = g.edge(e) as { points?: { x: number; y: number }[]; label?: string; x?: number; y?: number };
    const group = svg('g', { class: 'dag-link', 'data-from': e.v, 'data-to': e.w });
    group.append(svg('path', { d: edgePath(edge.points ?? []), 'marker-end': 'url(#arrow)' }));
    if (edge.label && edge.x !== undefined && edge.y !== undefined) {
      const w = edge.label.length * CHAR_WIDTH + 12;
      group.append(
        svg('rect', {
          class: 'link-label-bg',
          x: edge.x - w / 2,
          y: edge.y - 10,
          width: w,
          height: 20,
          rx: 10,
        }),
        svg('text', { class: 'link-label', x: edge.x, y: edge.y + 4, 'text-anchor': 'middle' }, edge.label),
      );
    }
    root.append(group);
  }
  const nodes = new Map<string, SVGGElement>();
  for (const node of workflow.nodes) {
    const box = g.node(node.id) as { x: number; y: number };
    const x = box.x - NODE_WIDTH / 2;
    const y = box.y - NODE_HEIGHT / 2;
    const group = svg(
      'g',
      {
        class: 'dag-node status-pending',
        'data-node-id': node.id,
        'data-status': 'pending',
        tabindex: 0,
        role: 'button',
        'aria-label': `node ${node.id}`,
        onclick: () => onSelect?.(node.id),
        onkeydown: (event) => {
          if ((event as KeyboardEvent).key === 'Enter') onSelect?.(node.id);
        },
      },
      svg('rect', { x, y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 10 }),
      svg('circle', { class: 'status-dot', cx: x + 16, cy: y + 20, r: 5 }),
      svg('text', { class: 'node-title', x: x + 28, y: y + 24 }, shorten(node.name ?? node.id, 20)),
      svg('text', { class: 'node-image', x: x + 16, y: y + 43 }, shorten(node.image, 24)),
    );
    if (!onSelect) group.removeAttribute('tabindex');
    nodes.set(node.id, group);
    root.append(group);
  }
  return {
    element: root,
    setStatus(nodeId, status) {
      const group = nodes.get(nodeId);
      if (!group) return;
      group.setAttribute('class', `dag-node status-${status}`);
      group.setAttribute('data-status', status);
    },
  };
}
