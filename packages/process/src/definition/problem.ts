/** Every kind of problem `validateWorkflow` reports. */
export type ProblemCode =
  | 'DUPLICATE_NODE_ID'
  | 'UNKNOWN_LINK_SOURCE'
  | 'UNKNOWN_LINK_TARGET'
  | 'CYCLE_WITHOUT_MAX_ITERATIONS'
  | 'MAX_ITERATIONS_WITHOUT_CYCLE'
  | 'UNKNOWN_OPERATOR'
  | 'INVALID_REGEX'
  | 'INVALID_CONDITION'
  | 'INVALID_JSON_SCHEMA'
  | 'DUPLICATE_NETWORK_ALIAS'
  | 'DUPLICATE_SERVICE_ID'
  | 'UNKNOWN_SERVICE'
  | 'INVALID_CRON'
  | 'INVALID_TIMEZONE'
  | 'DUPLICATE_WEBHOOK'
  | 'INVALID_FIELD';

/** One thing wrong with a workflow: what, where, and which node or file it concerns. */
export interface Problem {
  code: ProblemCode;
  /** A sentence that names the subject, e.g. `links[1] (a -> x): unknown target node 'x'`. */
  message: string;
  /** Field path in the workflow definition, e.g. `links[1].to` or `nodes[0].inputs`. */
  path: string;
  /** The node the problem is about, when there is one. */
  nodeId?: string;
  /** The file the problem is in, when the workflow was loaded from disk. */
  file?: string;
}
