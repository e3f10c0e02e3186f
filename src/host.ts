import * as fs from 'node:fs';
import * as path from 'node:path';

/** Everything the CLI does to the outside world, injected so tests can run it in memory. */
export interface Host {
  readFile(file: string): Uint8Array;
  writeFile(file: string, data: string | Uint8Array): void;
  mkdirp(dir: string): void;
  exists(file: string): boolean;
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stderr is an interactive terminal (progress is shown only then). */
  readonly stderrIsTty: boolean;
  /**
   * Width of the terminal stdout writes to, in characters; undefined when stdout is not a terminal
   * (a pipe or a file), where tables are laid out for 120 columns.
   */
  readonly stdoutColumns?: number;
}

export function nodeHost(): Host {
  return {
    readFile: (f) => fs.readFileSync(f),
    writeFile: (f, d) => fs.writeFileSync(f, d),
    mkdirp: (d) => void fs.mkdirSync(d, { recursive: true }),
    exists: (f) => fs.existsSync(f),
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stderrIsTty: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { stdoutColumns: process.stdout.columns } : {}),
  };
}

/** An in-memory host for tests: files come from `files`, writes land in `written`. */
export function memoryHost(files: Record<string, Uint8Array | string> = {}, readThrough = true) {
  const written = new Map<string, string | Uint8Array>();
  let out = '';
  let err = '';
  const host: Host = {
    readFile(f) {
      const v = files[f] ?? written.get(f);
      if (v !== undefined) return typeof v === 'string' ? new TextEncoder().encode(v) : v;
      if (readThrough) return fs.readFileSync(f);
      const e = new Error(`ENOENT: no such file, open '${f}'`) as NodeJS.ErrnoException;
      e.code = 'ENOENT';
      throw e;
    },
    writeFile(f, d) {
      written.set(path.normalize(f), d);
    },
    mkdirp() {},
    exists: (f) => f in files || written.has(path.normalize(f)) || (readThrough && fs.existsSync(f)),
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stderrIsTty: false,
  };
  return {
    host,
    written,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
  };
}
