/**
 * light-run: the HTTP service around light-runner.
 * @example
 * import { createLightRunServer } from 'light-run';
 * await using server = await createLightRunServer({ dataDir: './data', token: 'secret', port: 0 });
 * console.log(await server.listen());
 */

export type {
  ArtifactInfo,
  ArtifactList,
  ErrorBody,
  HealthState,
  InfoState,
  LeaseBody,
  LeaseState,
  LogLineWire,
  NetworkBody,
  NetworkCleanupBody,
  NetworkCleanupResult,
  NetworkCreated,
  NetworkState,
  RunBody,
  RunList,
  RunState,
  RunStatusWire,
  StopBody,
} from './api/schemas.ts';
export {
  artifactInfo,
  artifactList,
  fileContent,
  healthState,
  infoState,
  leaseBody,
  leaseState,
  logLine,
  networkBody,
  networkCleanupBody,
  networkCleanupResult,
  networkCreated,
  networkState,
  relativePath,
  runBody,
  runList,
  runState,
  runStatus,
  stopBody,
} from './api/schemas.ts';
export type { InlinedArtifact, StreamLine } from './api/stream-lines.ts';
export { INLINE_ARTIFACT_BYTES, streamLine } from './api/stream-lines.ts';
export type { LightRunErrorCode } from './errors/catalogue.ts';
export { ERROR_CATALOGUE } from './errors/catalogue.ts';
export type { FieldIssue } from './errors/light-run-error.ts';
export { LightRunError, ValidationError } from './errors/light-run-error.ts';
export { RUN_ID_HEADER, SIGNATURE_HEADER, signBody } from './runs/callback.ts';
export type { LightRunServer } from './server/create-server.ts';
export { createLightRunServer } from './server/create-server.ts';
export type { LightRunServerOptions } from './server/options.ts';
