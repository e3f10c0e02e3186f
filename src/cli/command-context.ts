/**
 * What every command (src/cli/commands/*) shares with the CLI's entry point: the result type and
 * the host-reading helpers. run-cli.ts imports the commands and the commands import this module,
 * never run-cli.ts, so the CLI has no import cycle.
 */
import * as path from 'node:path';
import type { Host } from '../host.js';
import { InputError } from '../diagnostics/errors.js';
import type { MemplanError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';

export interface CliResult {
  readonly exitCode: number;
}

/** Reads a file through the host, turning missing files and directories into one-line errors. */
export function readInputFile(host: Host, file: string): Uint8Array {
  try {
    return host.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const base = path.basename(file);
    if (code === 'ENOENT') throw InputError.of(Codes.FileNotFound, { path: file, reason: 'no such file' }, { file: base });
    if (code === 'EISDIR') throw InputError.of(Codes.FileNotFound, { path: file, reason: 'it is a directory' }, { file: base });
    throw InputError.of(Codes.FileNotFound, { path: file, reason: code ?? (e as Error).message }, { file: base });
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
