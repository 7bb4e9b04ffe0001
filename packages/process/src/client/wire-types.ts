// The one place light-process takes light-run's wire types from. Type-only: a value
// import would load light-run (and the runner below it) into light-process.
export type { RunBody, StopBody } from 'light-run';
