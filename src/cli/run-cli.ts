/**
 * The testable CLI: runCli(argv, host) -> exit code. All I/O goes through the injected Host.
 * Exit codes (EXIT_CODES; 0, 1 and 2 are DESIGN.md's): 0 fits, 1 does not fit (reports still
 * written), 2 bad input or usage (one line on stderr, nothing on stdout), 3 internal error (a bug in
 * memplan: an InternalError, MP901, or any other exception; one line on stderr saying so).
 */
import type { Host } from '../host.js';
import { InternalError, MemplanError } from '../diagnostics/errors.js';
import type { CliResult } from './command-context.js';
import { formatDiagnostic } from '../diagnostics/diagnostic.js';
import type { AnalyzeCommand, PlanCommand } from './args.js';
import { parseArgs } from './args.js';
import { runAnalyze } from './commands/analyze.js';
import { runPlan } from './commands/plan.js';
import { runDump } from './commands/dump.js';
import { runDiff } from './commands/diff.js';
import { VERSION as MEMPLAN_VERSION } from './args.js';

export type { CliResult } from './command-context.js';
export { readInputFile, readTextFile } from './command-context.js';

/** How the CLI describes itself in reports; tests fix the version so goldens survive a release. */
/** What each exit code means. */
export const EXIT_CODES = { fits: 0, doesNotFit: 1, badInput: 2, internalError: 3 } as const;

/** How an internal error (a bug) is told on stderr: one line. */
export function internalErrorLine(message: string): string {
  return `${message.replace(/\s*\n\s*/g, ' ')} (this is a bug in memplan; please report it)`;
}

export interface CliOptions {
  /** Recorded in reports; default package.json's version. */
  readonly memplanVersion?: string;
}

export async function runCli(argv: readonly string[], host: Host, options: CliOptions = {}): Promise<CliResult> {
  try {
    const command = await parseArgs(argv);
    switch (command.kind) {
      case 'text':
        host.stdout(command.text);
        return { exitCode: EXIT_CODES.fits };
      case 'analyze':
        return await runAnalyze(command satisfies AnalyzeCommand, host, { argv, memplanVersion: options.memplanVersion ?? MEMPLAN_VERSION });
      case 'plan':
        return await runPlan(command satisfies PlanCommand, host);
      case 'dump':
        return await runDump(command, host);
      case 'diff':
        return await runDiff(command, host);
    }
  } catch (e) {
    if (e instanceof InternalError) {
      host.stderr(`${internalErrorLine(e.message)}\n`);
      return { exitCode: EXIT_CODES.internalError };
    }
    if (e instanceof MemplanError) {
      const first = e.diagnostics[0];
      host.stderr(`${first ? formatDiagnostic(first) : `error: ${e.message}`}\n`);
      return { exitCode: EXIT_CODES.badInput };
    }
    // Any other exception is a bug as well.
    const message = e instanceof Error ? e.message : String(e);
    host.stderr(`${internalErrorLine(`internal error: ${message}`)}\n`);
    return { exitCode: EXIT_CODES.internalError };
  }
}
