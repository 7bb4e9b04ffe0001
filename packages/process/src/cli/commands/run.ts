import type { Command } from 'commander';

/** Registers `light run`. (Placeholder: being implemented.) */
export function registerRun(_program: Command): void {}
