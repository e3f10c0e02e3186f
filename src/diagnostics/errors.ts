import type { Diagnostic, Location } from './diagnostic.js';
import { formatDiagnostic } from './diagnostic.js';
import { Codes, formatMessage } from './codes.js';
import type { Code, DetailCode, TemplateParams } from './codes.js';

/** Base of every error memplan throws on purpose; carries diagnostics. */
export class MemplanError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = new.target.name;
    this.diagnostics = diagnostics;
  }
  /** One error diagnostic of `code`, its message made from the code's template (codes.ts TEMPLATES). */
  static of<T extends MemplanError, C extends Code>(
    this: new (d: readonly Diagnostic[]) => T,
    code: C,
    params: TemplateParams<C>,
    location?: Location,
  ): T {
    return new this([{ code, severity: 'error', message: formatMessage(code, params), ...(location ? { location } : {}) }]);
  }

  /** One error diagnostic of a code whose template is `{detail}`: the sentence is the detail. */
  static one<T extends MemplanError>(
    this: new (d: readonly Diagnostic[]) => T,
    code: DetailCode,
    detail: string,
    location?: Location,
  ): T {
    return new this([{ code, severity: 'error', message: formatMessage(code, { detail }), ...(location ? { location } : {}) }]);
  }
}

/** The input (model file, buffer set, target file) is malformed. Exit code 2. */
export class InputError extends MemplanError {}
/** The model uses something memplan cannot handle (op, domain, external data). Exit code 2. */
export class UnsupportedError extends MemplanError {}
/** Bad flags or option values. Exit code 2. */
export class ConfigError extends MemplanError {}
/** The planner could not produce a plan (e.g. a buffer fits no pool). */
export class PlanError extends MemplanError {}

/**
 * A broken internal invariant: a bug in memplan, never the user's input. Diagnostic MP901; the CLI
 * prints one line (`internal error: ... (this is a bug in memplan; please report it)`) and exits 3,
 * not 2. `message` reads `internal error: <what broke>`.
 */
export class InternalError extends MemplanError {
  constructor(what: string | readonly Diagnostic[]) {
    super(typeof what === 'string' ? [{ code: Codes.Internal, severity: 'error', message: formatMessage(Codes.Internal, { what }) }] : what);
    const first = this.diagnostics[0];
    this.message = `internal error: ${first ? first.message : ''}`;
  }
}

/** A MemplanError about the user's input or flags (exit 2), not an InternalError (a bug, exit 3). */
export function isUserError(e: unknown): e is MemplanError {
  return e instanceof MemplanError && !(e instanceof InternalError);
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(message);
}
