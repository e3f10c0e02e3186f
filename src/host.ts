import * as fs from 'node:fs';
import * as path from 'node:path';

/** Everything the CLI does to the outside world, injected so tests can run it in memory. */
export interface Host {
  readFile(file: string): Uint8Array;
  writeFile(file: string, data: string | Uint8Array): void;
  /** Creates `dir` and its missing parents; throws the system error (never loops) when it cannot. */
  mkdirp(dir: string): void;
  exists(file: string): boolean;
  /**
   * Why files cannot be written into directory `dir` (created if missing), in a few words naming the
   * culprit path, or undefined when they can. Creates nothing: run before a long analysis so that it
   * does not fail at the end.
   */
  outputDirProblem(dir: string): string | undefined;
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
    mkdirp,
    exists: (f) => fs.existsSync(f),
    outputDirProblem,
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stderrIsTty: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { stdoutColumns: process.stdout.columns } : {}),
  };
}

/**
 * mkdir -p without Node's recursive mkdirSync, which loops forever where mkdir answers ENOENT for a
 * parent that exists (e.g. under /proc): each missing level is created on its own, and the first
 * error is thrown.
 */
function mkdirp(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) fs.mkdirSync(d);
}

function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/** See Host.outputDirProblem: finds the nearest existing ancestor and tries to create an entry in it. */
function outputDirProblem(dir: string): string | undefined {
  const target = path.resolve(dir);
  let existing = target;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(existing);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot look at '${existing}' (${code})`;
    }
    if (stat) {
      if (!stat.isDirectory()) return existing === target ? 'it is a file, not a directory' : `'${existing}' is a file, not a directory`;
      break;
    }
    const parent = path.dirname(existing);
    if (parent === existing) return `no part of the path exists`;
    existing = parent;
  }
  // Writable in practice (permissions, read-only file systems, /proc and /sys): create and remove a probe.
  try {
    fs.rmdirSync(fs.mkdtempSync(path.join(existing, '.memplan-probe-')));
  } catch (e) {
    const code = errnoCode(e);
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : 'cannot create files there';
    return existing === target ? `the directory is not writable: ${why} (${code})` : `cannot create '${path.relative(existing, target).split(path.sep)[0]}' in '${existing}': ${why} (${code})`;
  }
  return undefined;
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
    // Writes land in memory; only a file of this host at the directory's place is a problem.
    outputDirProblem: (d) => (d in files || written.has(path.normalize(d)) ? 'it is a file, not a directory' : undefined),
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
