import type { Command } from 'commander';

/** Registers `light doctor`. (Placeholder: being implemented.) */
export function registerDoctor(_program: Command): void {}
