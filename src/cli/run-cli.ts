/**
 * The testable CLI: runCli(argv, host) -> exit code. All I/O goes through the injected Host.
 * Exit codes (DESIGN.md): 0 fits, 1 does not fit (reports still written), 2 bad input or usage
 * (one line on stderr, nothing on stdout), 3 internal error (a bug in memplan).
 */
import * as path from 'node:path';
import type { Host } from '../host.js';
import { MemplanError, InputError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';
import { formatDiagnostic } from '../diagnostics/diagnostic.js';
import type { AnalyzeCommand, PlanCommand } from './args.js';
import { parseArgs } from './args.js';
import { runAnalyze } from './commands/analyze.js';
import { runPlan } from './commands/plan.js';
import { runDump } from './commands/dump.js';
import { runDiff } from './commands/diff.js';
import { VERSION as MEMPLAN_VERSION } from './args.js';

export interface CliResult {
  readonly exitCode: number;
}

/** How the CLI describes itself in reports; tests fix the version so goldens survive a release. */
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
        return { exitCode: 0 };
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
    if (e instanceof MemplanError) {
      const first = e.diagnostics[0];
      host.stderr(`${first ? formatDiagnostic(first) : `error: ${e.message}`}\n`);
      return { exitCode: 2 };
    }
    const message = e instanceof Error ? e.message : String(e);
    host.stderr(`internal error: ${message.replace(/\s*\n\s*/g, ' ')} (this is a bug in memplan; please report it)\n`);
    return { exitCode: 3 };
  }
}

/** Reads a file through the host, turning missing files and directories into one-line errors. */
export function readInputFile(host: Host, file: string): Uint8Array {
  try {
    return host.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const base = path.basename(file);
    if (code === 'ENOENT') throw InputError.one(Codes.FileNotFound, `cannot read '${file}': no such file`, { file: base });
    if (code === 'EISDIR') throw InputError.one(Codes.FileNotFound, `cannot read '${file}': it is a directory`, { file: base });
    throw InputError.one(Codes.FileNotFound, `cannot read '${file}': ${code ?? (e as Error).message}`, { file: base });
  }
}

/**
 * Reads a text file through the host (one-line errors as readInputFile); `notText` builds the error
 * for bytes that are not UTF-8, so each caller names its own kind of file and code.
 */
export function readTextFile(host: Host, file: string, notText: (baseName: string) => MemplanError): string {
  const bytes = readInputFile(host, file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw notText(path.basename(file));
  }
}
