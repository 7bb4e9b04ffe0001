import { h } from './dom.ts';

/** `1.2 s`, `350 ms`, `2 min 5 s`; an em dash for unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A local date and time, short. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A coloured status pill. */
export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, status);
}

/** Pretty JSON for display. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

const OPERATOR_SIGNS: Record<string, string> = {
  eq: '=',
  ne: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'in',
  exists: 'exists',
  regex: '~',
};

/** A condition of a link as a short label: `score >= 5`, `ok = true or retry = true`. */
export function conditionLabel(when: unknown): string {
  if (when === null || typeof when !== 'object') return '';
  const record = when as Record<string, unknown>;
  if (Array.isArray(record.or)) return record.or.map(conditionLabel).join(' or ');
  return Object.entries(record)
    .map(([field, expected]) => {
      if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
        return Object.entries(expected as Record<string, unknown>)
          .map(([op, value]) => `${field} ${OPERATOR_SIGNS[op] ?? op} ${JSON.stringify(value)}`)
          .join(', ');
      }
      return `${field} = ${JSON.stringify(expected)}`;
    })
    .join(' and ');
}
