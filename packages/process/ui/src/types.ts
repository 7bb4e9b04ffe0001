// The API shapes the UI reads. Run records and events come straight from the server's own types.
/** Events of a run's stream, and the run records of the history. */
export type { RunEvent } from '../../src/faces/server/event-types.ts';
/** Runs as the API answers them. */
export type { NodeRecord, RunPage, RunRecord, RunSummary } from '../../src/faces/server/store/types.ts';

/** A workflow as `GET /api/workflows` lists it. */
export interface WorkflowSummary {
  id: string;
  name: string | null;
  description: string | null;
  nodeCount: number;
  persisted: boolean;
}

/** `GET /api/workflows/:id`: the graph and the input schema. */
export interface WorkflowDetail extends WorkflowSummary {
  nodes: { id: string; name: string | null; image: string }[];
  links: { from: string; to: string; when?: unknown; maxIterations?: number }[];
  inputSchema: JsonSchema | null;
}

/** The subset of JSON Schema the run form understands. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
}
