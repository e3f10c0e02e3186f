/**
 * Runs memplan's `runCli` in a worker thread with a hard per-run time limit: a run that does not
 * answer in time is reported as a hang and the worker is replaced (terminate() also stops a
 * synchronous infinite loop, which a timer in the same thread never could).
 */
import { Worker } from 'node:worker_threads';

export type CliOutcome =
  | { readonly kind: 'exit'; readonly exitCode: number; readonly stdout: string; readonly stderr: string; readonly elapsedMs: number }
  /** runCli itself threw (it must never do so). */
  | { readonly kind: 'threw'; readonly error: string; readonly elapsedMs: number }
  /** No answer within the limit. */
  | { readonly kind: 'hang'; readonly elapsedMs: number };

interface WorkerReply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly thrown?: string;
  readonly elapsedMs?: number;
}

export class CliRunner {
  private worker: Worker | undefined;
  private nextId = 0;

  /** Starts (or restarts) the worker and waits until it has loaded memplan. */
  async start(): Promise<void> {
    const worker = new Worker(new URL('./cli-worker.mjs', import.meta.url));
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (!m.ready) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  /**
   * Runs `memplan argv...` with `files` as the only readable files (plus the real file system
   * when `readThrough`), failing the run as a hang after `timeoutMs`.
   */
  async run(
    argv: readonly string[],
    files: Readonly<Record<string, Uint8Array | string>>,
    options: { timeoutMs?: number; readThrough?: boolean } = {},
  ): Promise<CliOutcome> {
    if (!this.worker) await this.start();
    const worker = this.worker!;
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? 5000;
    const started = performance.now();
    const reply = await new Promise<WorkerReply | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        resolve(undefined);
      }, timeoutMs);
      const onMessage = (m: WorkerReply) => {
        if (m.id !== id) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      worker.postMessage({ id, argv: [...argv], files, readThrough: options.readThrough ?? false });
    });
    worker.removeAllListeners('error');
    if (reply === undefined) {
      await worker.terminate();
      this.worker = undefined;
      return { kind: 'hang', elapsedMs: performance.now() - started };
    }
    const elapsedMs = reply.elapsedMs ?? performance.now() - started;
    if (reply.thrown !== undefined) return { kind: 'threw', error: reply.thrown, elapsedMs };
    return { kind: 'exit', exitCode: reply.exitCode ?? -1, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', elapsedMs };
  }

  /**
   * Like `run`, but a run that misses the limit is retried once, alone in a fresh worker, with a
   * the hang limit (HANG_MS): on a loaded machine a normal run can miss 5 s of wall time. Only a run
   * that does not answer within HANG_MS on the retry is a hang.
   */
  async runWithRetry(
    argv: readonly string[],
    files: Readonly<Record<string, Uint8Array | string>>,
    options: { timeoutMs?: number; readThrough?: boolean } = {},
  ): Promise<CliOutcome & { readonly retried: boolean }> {
    const first = await this.run(argv, files, options);
    if (first.kind !== 'hang' && first.elapsedMs <= (options.timeoutMs ?? 5000)) return { ...first, retried: false };
    const again = await this.run(argv, files, { ...options, timeoutMs: HANG_MS });
    return { ...again, retried: true };
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

/**
 * A run that takes longer than this alone in a fresh worker counts as a hang. How fast memplan
 * answers is a benchmark figure (the fuzz files print their slowest run), not a test limit: a
 * shared machine under load can stretch any wall-clock limit.
 */
export const HANG_MS = 60_000;

/** The contract for a bad-input run; returns a description of what is wrong, or undefined. */
export function contractViolation(o: CliOutcome): string | undefined {
  if (o.kind === 'hang') return `no answer after ${Math.round(o.elapsedMs)} ms (hang)`;
  if (o.kind === 'threw') return `runCli threw: ${o.error}`;
  if (o.exitCode !== 0 && o.exitCode !== 1 && o.exitCode !== 2) return `exit code ${o.exitCode}; stderr: ${o.stderr.trim()}`;
  if (o.exitCode === 2) {
    if (o.stdout !== '') return `exit 2 with output on stdout: ${JSON.stringify(o.stdout.slice(0, 200))}`;
    const lines = o.stderr.split('\n');
    if (lines.length !== 2 || lines[1] !== '' || !/^error MP\d{3}: \S/.test(lines[0] ?? '')) {
      return `exit 2 without exactly one 'error MPnnn: ...' line on stderr: ${JSON.stringify(o.stderr.slice(0, 300))}`;
    }
  }
  if (o.elapsedMs > HANG_MS) return `took ${Math.round(o.elapsedMs)} ms (a hang: limit ${HANG_MS})`;
  return undefined;
}
