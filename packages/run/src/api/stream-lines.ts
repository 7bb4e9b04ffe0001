import { z } from 'zod';
import { artifactInfo, logLine, runState } from './schemas.ts';

/** Artifacts whose bytes add up to at most this are inlined in the end line of a stream (1 MiB). */
export const INLINE_ARTIFACT_BYTES = 1024 * 1024;

/** Query of `POST /run`: `?stream=ndjson` answers the run as NDJSON lines instead of one JSON state. */
export const runQuery = z.object({ stream: z.enum(['ndjson']).optional() });

/** An artifact inlined in the end line: its info and its bytes in base64. */
export const inlinedArtifact = artifactInfo.extend({ base64: z.string() });

/**
 * One line of `POST /run?stream=ndjson`: first `run` (the run's first state, with its id),
 * then one `log` per output line, then `end` (the final state, with every artifact inlined
 * while their bytes add up to at most {@link INLINE_ARTIFACT_BYTES}; the others stay
 * downloadable from `GET /runs/:id/artifacts/*`).
 */
export const streamLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), state: runState }),
  logLine.extend({ type: z.literal('log') }),
  z.object({ type: z.literal('end'), state: runState, inlined: z.array(inlinedArtifact) }),
]);
/** One line of a run stream. */
export type StreamLine = z.infer<typeof streamLine>;
/** An inlined artifact on the wire. */
export type InlinedArtifact = z.infer<typeof inlinedArtifact>;
