/** `--emit-c DIR`: writes the generated C files of an analysed model through the Host. */
import * as path from 'node:path';
import type { Host } from '../../host.js';
import { generateC } from '../../codegen/generate.js';
import type { CodegenInput } from '../../codegen/input.js';

/**
 * Generates the C code of `input` (toCodegenInput of an analysis) and writes every file into `dir` (created if needed).
 * Returns the written file names. Throws UnsupportedError (MP701, exit 2) naming the node when an
 * operator has no C kernel; nothing is written in that case.
 */
export function emitC(input: CodegenInput, dir: string, host: Host): string[] {
  return writeCFiles(generateC(input).files, dir, host);
}

/** Writes generated files into `dir` (created if needed); returns their names. */
export function writeCFiles(files: readonly { readonly name: string; readonly text: string }[], dir: string, host: Host): string[] {
  host.mkdirp(dir);
  for (const f of files) host.writeFile(path.join(dir, f.name), f.text);
  return files.map((f) => f.name);
}
