import { type LightRunErrorCode, statusOf } from './catalogue.ts';

/** One problem found while validating input: where (a dotted field path) and what. */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `files.../etc/passwd` or `env.1A`. */
  path: string;
  message: string;
}

/** Base class of every error light-run raises; its code decides the HTTP status. */
export class LightRunError extends Error {
  /** Machine-readable code from the catalogue. */
  readonly code: LightRunErrorCode;
  /** The field a validation failure is about, when there is one. */
  readonly field: string | undefined;
  /** Extra, client-safe information (e.g. every validation issue). */
  readonly details: unknown;

  constructor(
    code: LightRunErrorCode,
    message: string,
    options: { field?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  /** HTTP status of this error, from the catalogue. */
  get statusCode(): number {
    return statusOf(this.code);
  }

  /** JSON without stack or cause. */
  toJSON(): { name: string; code: LightRunErrorCode; message: string; field?: string; details?: unknown } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** A validation failure that names the first offending field and lists all of them. */
export class ValidationError extends LightRunError {
  /** Every issue found, first one first. */
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    const first = issues[0] ?? { path: '', message: 'invalid' };
    super('INVALID_REQUEST', first.path ? `${first.path}: ${first.message}` : first.message, {
      field: first.path,
      details: { issues },
    });
    this.issues = issues;
  }
}
