import type { Ratio, Summary } from './stats.ts';

/** One measured quantity with its spread. */
export interface Measurement {
  name: string;
  /** Unit of the numbers in `summary`, e.g. `ms`, `us/node`, `MiB`. */
  unit: string;
  summary: Summary;
}

/** One ratio, optionally checked against a target (`<=` or `>=`). */
export interface RatioRow {
  name: string;
  ratio: Ratio;
  target?: { op: '<=' | '>='; value: number };
}

/** What one section found. */
export interface SectionResult {
  id: string;
  title: string;
  measurements: Measurement[];
  ratios: RatioRow[];
  /** Findings in words: where time goes, what was chosen, anomalies. */
  notes: string[];
  /** Parts not measured because a layer is not there yet, with the reason. */
  missing: string[];
  /** Failed runs (a benchmark never retries silently). */
  errors: string[];
}

/** An empty result for section `id`. */
export function section(id: string, title: string): SectionResult {
  return { id, title, measurements: [], ratios: [], notes: [], missing: [], errors: [] };
}

/** `pass`, `MISS` or `-` for a ratio row. */
export function verdict(row: RatioRow): string {
  if (!row.target) return '-';
  if (!Number.isFinite(row.ratio.value)) return 'FAIL (no data)';
  const ok =
    row.target.op === '<=' ? row.ratio.value <= row.target.value : row.ratio.value >= row.target.value;
  return ok ? 'pass' : 'MISS';
}

/** Formats a number with a precision that suits its size. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const a = Math.abs(n);
  if (a >= 1000) return n.toFixed(0);
  if (a >= 100) return n.toFixed(1);
  if (a >= 10) return n.toFixed(2);
  return n.toFixed(3);
}

/** A Markdown table (also readable as plain text). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The ratio table of all sections. */
export function ratioTable(results: readonly SectionResult[]): string {
  const rows = results.flatMap((s) =>
    s.ratios.map((r) => [
      s.id,
      r.name,
      fmt(r.ratio.value),
      `${fmt(r.ratio.p10)}..${fmt(r.ratio.p90)}`,
      r.ratio.ofMedians === undefined ? '' : fmt(r.ratio.ofMedians),
      String(r.ratio.rounds),
      r.target ? `${r.target.op} ${r.target.value}` : '',
      verdict(r),
    ]),
  );
  return table(['section', 'ratio', 'value', 'p10..p90', 'of medians', 'n', 'target', 'verdict'], rows);
}

/** The measurement table of one section. */
export function measurementTable(s: SectionResult): string {
  return table(
    ['measurement', 'unit', 'n', 'p10', 'p50', 'p90', 'p99', 'max'],
    s.measurements.map((m) => [
      m.name,
      m.unit,
      String(m.summary.n),
      fmt(m.summary.p10),
      fmt(m.summary.p50),
      fmt(m.summary.p90),
      fmt(m.summary.p99),
      fmt(m.summary.max),
    ]),
  );
}

/** The whole report in Markdown. */
export function markdown(results: readonly SectionResult[], meta: Record<string, string>): string {
  const out: string[] = ['# light-process benchmarks: latest run', ''];
  for (const [k, v] of Object.entries(meta)) out.push(`- ${k}: ${v}`);
  out.push('', '## Ratios', '', ratioTable(results), '');
  for (const s of results) {
    out.push(`## ${s.id}: ${s.title}`, '');
    if (s.measurements.length) out.push(measurementTable(s), '');
    for (const n of s.notes) out.push(`- ${n}`);
    for (const m of s.missing) out.push(`- not measured: ${m}`);
    for (const e of s.errors) out.push(`- error: ${e}`);
    out.push('');
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
