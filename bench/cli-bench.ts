/**
 * Whole-CLI speed on the largest shared models (issue 2): `memplan MODEL --format json` as a user runs
 * it, in a fresh node process each time (median of several runs), beside bare node start-up on the same
 * machine in the same run, so the ratio stays meaningful on a noisy shared machine. Target: under 1 s.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import Table from 'cli-table3';
import { repoRoot } from './bench-util.js';

const RUNS = Number(process.env['MEMPLAN_BENCH_RUNS'] ?? 5);

interface Case {
  readonly label: string;
  readonly args: readonly string[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeNode(args: readonly string[]): { ms: number; exitCode: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: repoRoot(), stdio: ['ignore', 'ignore', 'pipe'] });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, exitCode: r.status ?? -1 };
}

export function runCliBench(): string {
  const root = repoRoot();
  const cli = path.join(root, 'dist/src/cli/main.js');
  const shared = path.join(root, '../shared/models');
  const cases: Case[] = [
    { label: 'light_densenet121 (1746 nodes), default target', args: [cli, path.join(shared, 'light/light_densenet121.onnx'), '--format', 'json'] },
    { label: 'efficientnet_b0_96, default target', args: [cli, path.join(shared, 'torchvision/efficientnet_b0_96.onnx'), '--format', 'json'] },
    { label: 'light_densenet121, --sram 64K --cores 4', args: [cli, path.join(shared, 'light/light_densenet121.onnx'), '--sram', '64K', '--cores', '4', '--format', 'json'] },
    { label: 'efficientnet_b0_96, --sram 64K --cores 4', args: [cli, path.join(shared, 'torchvision/efficientnet_b0_96.onnx'), '--sram', '64K', '--cores', '4', '--format', 'json'] },
  ];
  const baseline = median(Array.from({ length: RUNS }, () => timeNode(['-e', '0']).ms));
  const table = new Table({
    head: ['whole CLI run', 'exit', `median of ${RUNS} (ms)`, 'min (ms)', 'vs 1 s target', 'vs node start-up'],
    style: { head: [], border: [] },
  });
  for (const c of cases) {
    const runs = Array.from({ length: RUNS }, () => timeNode(c.args));
    const ms = runs.map((r) => r.ms);
    const med = median(ms);
    table.push([c.label, String(runs[0]!.exitCode), med.toFixed(0), Math.min(...ms).toFixed(0), `${(med / 1000).toFixed(2)}x`, `${(med / baseline).toFixed(1)}x`]);
  }
  table.push(['node -e 0 (start-up baseline)', '0', baseline.toFixed(0), '', '', '1.0x']);
  return `${table.toString()}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(runCliBench());
}
