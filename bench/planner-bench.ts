/**
 * `npm run bench:planner`: every registered strategy on the public planner benchmarks in
 * ../shared/planner-bench (Glow's 79 models, MiniMalloc's 11 challenging instances) and a speed row
 * (10,000 seeded random interval buffers) for the greedy strategies.
 *
 *   node dist/bench/planner-bench.js [--strategy NAME[,NAME...]] [--section glow|minimalloc|speed]
 *                                    [--time-limit SECONDS] [--glow-time-limit SECONDS]
 *
 * --time-limit is the per-instance budget of the search strategies on MiniMalloc (default 60); greedy
 * strategies are not gated. --glow-time-limit is the per-model budget on Glow (default 5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { buildConflictGraph, createPrng, isStrategyName, packLowerBound, planMemory, STRATEGIES, STRATEGY_NAMES, verifyPlan } from '../planner/index.js';
import type { BufferInfo, PackProblem, Pool, StrategyName } from '../planner/index.js';
import { parseGlowTrace, parseMiniMallocCsv } from '../src/bufferset/index.js';
import { elapsedMs, formatMs, formatRatio, plannerBenchDir } from './bench-util.js';

const SEARCH_STRATEGIES: ReadonlySet<string> = new Set(['auto', 'exact', 'ilp', 'hill-climb']);
const MINIMALLOC_CAPACITY = 1048576;

interface Options {
  strategies: StrategyName[];
  sections: Set<string>;
  timeLimitMs: number;
  glowTimeLimitMs: number;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { strategies: [...STRATEGY_NAMES], sections: new Set(['glow', 'minimalloc', 'speed']), timeLimitMs: 60_000, glowTimeLimitMs: 5_000 };
  const sections: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i++;
    if (flag === '--strategy') {
      options.strategies = value.split(',').map((name) => {
        if (!isStrategyName(name)) throw new Error(`unknown strategy '${name}'; known: ${STRATEGY_NAMES.join(', ')}`);
        return name;
      });
    } else if (flag === '--section') sections.push(...value.split(','));
    else if (flag === '--time-limit') options.timeLimitMs = Number(value) * 1000;
    else if (flag === '--glow-time-limit') options.glowTimeLimitMs = Number(value) * 1000;
    else throw new Error(`unknown flag ${flag}`);
  }
  if (sections.length > 0) options.sections = new Set(sections);
  return options;
}

async function timedPlan(buffers: readonly BufferInfo[], pools: readonly Pool[], strategy: StrategyName, timeLimitMs: number) {
  const start = process.hrtime.bigint();
  const plan = await planMemory(buffers, pools, { strategy, timeLimitMs, seed: 1 });
  const ms = elapsedMs(start);
  const problems = verifyPlan(buffers, pools, plan);
  if (problems.length > 0) throw new Error(`${strategy}: plan fails verifyPlan: ${problems[0]?.message}`);
  return { plan, ms };
}

async function glowSection(options: Options): Promise<void> {
  const file = join(plannerBenchDir(), 'glow', 'MemoryAllocatorTestModels.txt');
  const models = parseGlowTrace(readFileSync(file, 'utf8'), 'MemoryAllocatorTestModels.txt');
  const table = new Table({ head: ['strategy', 'at lower bound', '<= Glow MEM', 'proven optimal', 'worst used/LB', 'worst model', 'total time'], style: { head: [], border: [] } });
  for (const strategy of options.strategies) {
    let atBound = 0;
    let beatsGlow = 0;
    let proven = 0;
    let worst = 1;
    let worstModel = '';
    let total = 0;
    for (const model of models) {
      const { plan, ms } = await timedPlan(model.buffers, model.pools, strategy, options.glowTimeLimitMs);
      total += ms;
      const pool = plan.pools[0]!;
      const ratio = pool.lowerBoundBytes === 0 ? 1 : pool.usedBytes / pool.lowerBoundBytes;
      if (pool.usedBytes === pool.lowerBoundBytes) atBound++;
      if (model.expectedMemBytes !== null && pool.usedBytes <= model.expectedMemBytes) beatsGlow++;
      if (plan.optimal) proven++;
      if (ratio > worst) {
        worst = ratio;
        worstModel = model.name;
      }
    }
    table.push([strategy, `${atBound}/${models.length}`, `${beatsGlow}/${models.length}`, `${proven}/${models.length}`, formatRatio(worst), worstModel || '-', formatMs(total)]);
    process.stderr.write(`glow: ${strategy} done\n`);
  }
  console.log(`Glow allocator test models (${models.length}; sizes aligned to 64; ${formatMs(options.glowTimeLimitMs)} per model for search strategies)`);
  console.log(table.toString());
}

async function miniMallocSection(options: Options): Promise<void> {
  const dir = join(plannerBenchDir(), 'minimalloc-challenging');
  const letters = 'ABCDEFGHIJK'.split('');
  const instances = letters.map((letter) => {
    const name = `${letter}.${MINIMALLOC_CAPACITY}.csv`;
    return { letter, ...parseMiniMallocCsv(readFileSync(join(dir, name), 'utf8'), name) };
  });
  const table = new Table({ head: ['strategy', ...letters, 'fit', 'total time'], style: { head: [], border: [] } });
  for (const strategy of options.strategies) {
    const search = SEARCH_STRATEGIES.has(strategy);
    const limit = search ? options.timeLimitMs : 600_000;
    const cells: string[] = [];
    let fit = 0;
    let total = 0;
    for (const instance of instances) {
      const { plan, ms } = await timedPlan(instance.buffers, instance.pools, strategy, limit);
      total += ms;
      if (plan.fits) {
        fit++;
        cells.push(`yes ${plan.pools[0]!.usedBytes}\n${formatMs(ms)}`);
      } else if (!search) {
        // A greedy packs the same way with or without the capacity: show the arena it needs.
        const unbounded = await timedPlan(instance.buffers, [{ name: 'sram', sizeBytes: null }], strategy, limit);
        cells.push(`no ${(unbounded.plan.pools[0]!.usedBytes / MINIMALLOC_CAPACITY).toFixed(2)}x\n${formatMs(ms)}`);
      } else {
        cells.push(`no (${plan.unplaced.length} out)\n${formatMs(ms)}`);
      }
    }
    table.push([strategy, ...cells, `${fit}/${instances.length}`, formatMs(total)]);
    process.stderr.write(`minimalloc: ${strategy} done\n`);
  }
  console.log(`MiniMalloc challenging instances at capacity ${MINIMALLOC_CAPACITY} (search strategies: ${formatMs(options.timeLimitMs)} each; "no 1.29x" = arena needed / capacity)`);
  console.log(table.toString());
}

/** 10,000 buffers over 2,000 steps, lifetimes 1-50 steps, sizes 16 B to 64 KiB: seeded, so always the same. */
function randomIntervals(count: number, seed: number): BufferInfo[] {
  const prng = createPrng(seed);
  const buffers: BufferInfo[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor(prng.next() * 2000);
    const length = 1 + Math.floor(prng.next() * 50);
    buffers.push({ name: `t${i}`, sizeBytes: 16 * (1 + Math.floor(prng.next() * 4096)), start: start, end: start + length - 1 });
  }
  return buffers;
}

async function speedSection(options: Options): Promise<void> {
  const buffers = randomIntervals(10_000, 1);
  const pools: Pool[] = [{ name: 'sram', sizeBytes: null }];
  // The single-pool problem the strategies see, built once: conflict graph and lower bound.
  const graphStart = process.hrtime.bigint();
  const graph = buildConflictGraph(buffers);
  const graphMs = elapsedMs(graphStart);
  const items = buffers.map((b, index) => ({ index, name: b.name, sizeBytes: b.sizeBytes, alignmentBytes: 1, start: b.start, end: b.end }));
  const problem: PackProblem = { items, neighbors: graph.neighbors, capacityBytes: null, lowerBoundBytes: packLowerBound(items, graph.neighbors, graph.hasExplicitEdges) };
  const edges = graph.neighbors.reduce((t, n) => t + n.length, 0) / 2;
  const table = new Table({ head: ['strategy', 'used / lower bound', 'strategy alone', 'planMemory (graph, plan, verify)', 'strategy < 1 s'], style: { head: [], border: [] } });
  for (const strategy of options.strategies) {
    if (SEARCH_STRATEGIES.has(strategy)) continue;
    const pack = STRATEGIES.get(strategy)!;
    const start = process.hrtime.bigint();
    const result = await pack(problem, { seed: 1, deadlineMs: Date.now() + 60_000 });
    const packMs = elapsedMs(start);
    const { plan, ms } = await timedPlan(buffers, pools, strategy, 60_000);
    if (plan.pools[0]!.usedBytes !== result.usedBytes) throw new Error(`${strategy}: planMemory and the strategy disagree`);
    table.push([strategy, formatRatio(result.usedBytes / problem.lowerBoundBytes), formatMs(packMs), formatMs(ms), packMs < 1000 ? 'yes' : 'NO']);
  }
  console.log(`Speed: 10,000 seeded random interval buffers (${edges} conflicting pairs; building the conflict graph alone: ${formatMs(graphMs)})`);
  console.log(table.toString());
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.sections.has('speed')) await speedSection(options);
  if (options.sections.has('glow')) await glowSection(options);
  if (options.sections.has('minimalloc')) await miniMallocSection(options);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
