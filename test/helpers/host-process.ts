/**
 * Runs a few lines against memplan's real file-system Host (src/host.ts, which imports only node:fs and
 * node:path, transpiled once with the project's typescript into a temporary .mjs) in a child process,
 * with a hard time limit and optionally as another user: for what an in-process test cannot show (a
 * hang, permissions seen by a non-root user).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

let hostModule: { readonly dir: string; readonly url: string } | undefined;

/** src/host.ts as plain JavaScript in a temporary folder readable by every user (removed by removeHostModule). */
function hostModuleUrl(): string {
  if (!hostModule) {
    const source = readFileSync(fileURLToPath(new URL('../../src/host.ts', import.meta.url)), 'utf8');
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const dir = mkdtempSync(join(tmpdir(), 'memplan-host-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'host.mjs'), js, { mode: 0o644 });
    hostModule = { dir, url: pathToFileURL(join(dir, 'host.mjs')).href };
  }
  return hostModule.url;
}

/** Removes the transpiled host (call from afterAll). */
export function removeHostModule(): void {
  if (hostModule) rmSync(hostModule.dir, { recursive: true, force: true });
  hostModule = undefined;
}

export interface HostRun {
  /** What the script printed (JSON.stringify of its result), or undefined when it did not finish. */
  readonly result: unknown;
  readonly timedOut: boolean;
  readonly stderr: string;
}

/**
 * Evaluates `expression` (which may use `host`, a nodeHost()) in a child process and returns its value.
 * A thrown error becomes `{ error: code or message }`. With `asUser` (when this process is root) the
 * child runs through util-linux's setpriv as that user and group.
 */
export function evalInHostProcess(expression: string, options: { readonly timeoutMs?: number; readonly asUser?: number } = {}): HostRun {
  const script = `import { nodeHost } from ${JSON.stringify(hostModuleUrl())};
const host = nodeHost();
let result;
try { result = await (async () => (${expression}))(); } catch (e) { result = { error: e.code ?? e.message }; }
process.stdout.write(JSON.stringify(result === undefined ? null : result));`;
  const node = [process.execPath, '--input-type=module', '-e', script];
  const cmd = options.asUser !== undefined ? ['setpriv', `--reuid=${options.asUser}`, `--regid=${options.asUser}`, '--clear-groups', ...node] : node;
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: options.timeoutMs ?? 20_000, killSignal: 'SIGKILL' });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  const timedOut = r.status === null;
  return { result: timedOut || !r.stdout ? undefined : JSON.parse(r.stdout), timedOut, stderr: r.stderr ?? '' };
}
