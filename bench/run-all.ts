/** `npm run bench`: every benchmark, one after the other, printing tables. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './bench-util.js';
import { runCliBench } from './cli-bench.js';
import { runTfliteBench } from './tflite-bench.js';
import { runGraphOptBench } from './graph-opt-bench.js';
import { runDepthFirstBench } from './depth-first-bench.js';

process.stdout.write('== whole-CLI speed (issue 2) ==\n');
process.stdout.write(runCliBench());
process.stdout.write('\n== TFLite models against TFLite Micro\'s planner (issue 11) ==\n');
process.stdout.write(await runTfliteBench());
process.stdout.write('\n== graph optimizations (issue 9) ==\n');
process.stdout.write(runGraphOptBench());
process.stdout.write('\n== depth-first segments (issue 10) ==\n');
process.stdout.write(await runDepthFirstBench());
process.stdout.write('\n== planner (issue 3) ==\n');
const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist/bench/planner-bench.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
