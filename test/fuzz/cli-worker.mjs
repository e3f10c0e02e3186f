// A worker thread that runs memplan's runCli on in-memory files, so the fuzz test can kill a run
// that hangs (terminate() stops even a synchronous infinite loop). Messages:
//   in:  { id, argv, files: { [name]: Uint8Array | string }, readThrough }
//   out: { id, exitCode, stdout, stderr, elapsedMs } or { id, thrown } when runCli itself throws.
import { register } from 'node:module';
import { parentPort } from 'node:worker_threads';

register('./ts-loader.mjs', import.meta.url);
const { runCli } = await import('../../src/cli/run-cli.js');
const { memoryHost } = await import('../../src/host.js');

parentPort.on('message', async ({ id, argv, files, readThrough }) => {
  // Harness self-test only (test/fuzz/cli-runner.test.ts): a synchronous endless loop, to show that
  // the runner's time limit stops what a timer in this thread never could.
  if (argv[0] === '__fuzz_harness_spin__') for (;;);
  const m = memoryHost(files, readThrough);
  const started = performance.now();
  try {
    const { exitCode } = await runCli(argv, m.host);
    parentPort.postMessage({ id, exitCode, stdout: m.stdout, stderr: m.stderr, elapsedMs: performance.now() - started });
  } catch (e) {
    parentPort.postMessage({ id, thrown: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e), elapsedMs: performance.now() - started });
  }
});
parentPort.postMessage({ ready: true });
