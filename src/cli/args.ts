/**
 * Command-line parsing (yargs) into validated, typed commands. No I/O here.
 * Every bad flag or value becomes a one-line ConfigError naming the flag.
 */
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { ConfigError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';
import { parseSize } from './sizes.js';
import { parseInputSpecs } from '../frontend/input-spec.js';
import type { DtypeMode } from '../liveness/graph-liveness.js';
import type { StrategyName } from '../../planner/types.js';
import { STRATEGY_NAMES } from '../../planner/index.js';
import { packageVersion } from './version.js';
import { scanArgs } from './usage.js';

/** The package's version (package.json), printed by --version and recorded in reports. */
export const VERSION = packageVersion();

/** Every registered planner strategy, from the planner's registry. */
export const STRATEGY_CHOICES: readonly StrategyName[] = STRATEGY_NAMES;
export const FORMAT_CHOICES = ['table', 'json', 'markdown', 'csv'] as const;
export type OutputFormat = (typeof FORMAT_CHOICES)[number];
const DTYPE_CHOICES: readonly DtypeMode[] = ['as-is', 'int8', 'float32'];

export interface CommonPlanFlags {
  readonly strategy: StrategyName;
  /** undefined = the planner's default. */
  readonly timeLimitMs?: number;
  readonly seed: number;
}

export interface AnalyzeCommand extends CommonPlanFlags, GraphOptFlags {
  readonly kind: 'analyze';
  readonly model: string;
  readonly sramBytes?: number;
  readonly dramBytes?: number;
  readonly targetFile?: string;
  readonly cores?: number;
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly dtype: DtypeMode;
  readonly format: OutputFormat;
  readonly reportDir?: string;
  /** Where --emit-c writes the generated C. */
  readonly emitCDir?: string;
  readonly doubleBuffer: boolean;
  readonly minSram: boolean;
  /**
   * --headroom N%: the fraction (0..1) of every bounded memory kept free; memplan plans into the rest
   * and fails (MP403) when that does not fit (src/headroom.ts). 0 = off.
   */
  readonly headroom: number;
  /** Table format: every column with a legend, the detail lines and the live buffers. */
  readonly verbose: boolean;
  /** Table format: the per-layer table, every buffer's placement, or both. */
  readonly show: 'layers' | 'buffers' | 'all';
}

/** Graph-optimization flags shared by analyze and dump. */
export interface GraphOptFlags {
  /** False with --no-graph-opt. */
  readonly graphOpt: boolean;
  /** False with --no-depth-first (no depth-first segments). */
  readonly depthFirst: boolean;
  /** --max-slowdown N%: estimated cycles a depth-first segment may add over the layers it replaces (with DRAM), as a fraction. */
  readonly maxSlowdown?: number;
  /** --order: `search` (memory-aware, default) or `file`. */
  readonly order: 'search' | 'file';
}

export interface PlanCommand extends CommonPlanFlags {
  readonly kind: 'plan';
  readonly file: string;
  readonly format: 'table' | 'json' | 'csv';
  /** `--capacity POOL=SIZE`: sets (or bounds) a pool's size, overriding the file. */
  readonly capacities: readonly { readonly pool: string; readonly sizeBytes: number }[];
}

export interface DumpCommand extends Omit<AnalyzeCommand, 'kind' | 'format' | 'reportDir' | 'emitCDir' | 'minSram' | 'headroom' | 'verbose' | 'show'> {
  readonly kind: 'dump';
  readonly stage: 'graph' | 'layers' | 'schedule' | 'buffers';
}

export interface DiffCommand {
  readonly kind: 'diff';
  readonly oldFile: string;
  readonly newFile: string;
  readonly format: 'table' | 'json' | 'markdown';
  /** List every changed layer (by default the largest changes, with a note saying how many more). */
  readonly all: boolean;
}

export interface TextCommand {
  readonly kind: 'text';
  readonly text: string;
}

export type Command = AnalyzeCommand | PlanCommand | DumpCommand | DiffCommand | TextCommand;

const usageError = (message: string, flag?: string) =>
  ConfigError.one(flag ? Codes.BadFlag : Codes.BadUsage, message, flag ? { flag } : undefined);

/** Parses argv (without the node and script names). */
export async function parseArgs(argvIn: readonly string[]): Promise<Command> {
  const { argv } = scanArgs(argvIn);
  let selected: Command | undefined;
  const parser = yargs()
    .scriptName('memplan')
    .exitProcess(false)
    .strict()
    .strictOptions()
    .parserConfiguration({ 'camel-case-expansion': false })
    .version(VERSION)
    .help('help')
    .alias('help', 'h')
    .wrap(100)
    .epilog('memplan help plan|diff|dump (or memplan COMMAND --help) describes each command.')
    .fail((msg: string | null, err: Error | null) => {
      if (err) throw err;
      throw usageError(yargsMessage(msg ?? 'bad command line'));
    })
    .command(
      'plan <file>',
      'plan a buffer set (DESIGN.md JSON, MiniMalloc CSV or Glow ALLOC/FREE trace)',
      (y) =>
        y
          .positional('file', { type: 'string', describe: 'buffer-set file' })
          .option('strategy', { type: 'string', describe: `planning strategy: ${STRATEGY_CHOICES.join(', ')}`, default: 'auto' })
          .option('time-limit', { type: 'string', describe: 'search time limit in seconds' })
          .option('seed', { type: 'string', describe: 'seed for randomized strategies', default: '1' })
          .option('capacity', { type: 'string', array: true, nargs: 1, describe: 'size of a pool, POOL=SIZE (e.g. sram=256K; repeatable): overrides the file' })
          .option('format', { type: 'string', describe: 'table, json or csv (one row per allocation, exact bytes)', default: 'table' }),
      (a) => {
        const format = choice(a['format'], ['table', 'json', 'csv'] as const, '--format');
        selected = { kind: 'plan', file: String(a['file']), format, capacities: parseCapacities(a['capacity']), ...planFlags(a) };
      },
    )
    .command(
      'diff <old> <new>',
      'compare two JSON reports (memplan MODEL --format json): per-layer and per-pool deltas; exit 1 when the new one does not fit',
      (y) =>
        y
          .positional('old', { type: 'string', describe: 'the old report' })
          .positional('new', { type: 'string', describe: 'the new report' })
          .option('format', { type: 'string', describe: 'table, json or markdown (for a pull-request comment)', default: 'table' })
          .option('all', { type: 'boolean', describe: 'list every changed layer (default: the 20 largest changes)', default: false }),
      (a) => {
        selected = {
          kind: 'diff',
          oldFile: String(a['old']),
          newFile: String(a['new']),
          format: choice(a['format'], ['table', 'json', 'markdown'] as const, '--format'),
          all: bool(a['all'], '--all'),
        };
      },
    )
    .command(
      'dump <model>',
      'print an intermediate stage: the graph IR, the optimized layers, the scheduled IR, or the buffer sets (JSON)',
      (y) =>
        modelOptions(y.positional('model', { type: 'string', describe: 'ONNX model file' })).option('stage', {
          type: 'string',
          describe: 'graph, layers, schedule or buffers',
          default: 'schedule',
        }),
      (a) => {
        const m = modelFlags(a);
        selected = { ...m, kind: 'dump', stage: choice(a['stage'], ['graph', 'layers', 'schedule', 'buffers'] as const, '--stage') };
      },
    )
    .command(
      '$0 <model>',
      'analyze an ONNX model: per-layer footprint, plan every pool, gate on fit',
      (y) =>
        modelOptions(y.positional('model', { type: 'string', describe: 'ONNX model file' }))
          .option('format', { type: 'string', describe: `output format: ${FORMAT_CHOICES.join(', ')}`, default: 'table' })
          .option('report', { type: 'string', describe: 'write report.html, report.json, report.md, report.csv and buffers.json to DIR (also when it does not fit)' })
          .option('min-sram', { type: 'boolean', describe: 'also find the smallest SRAM size at which everything fits', default: false })
          .option('headroom', {
            type: 'string',
            describe: 'keep N% of every bounded memory (SRAM, local, DRAM) free, e.g. 10%: plan into the other (100 - N)%, fail when that does not fit; the reports say what it moved to DRAM and cost in cycles',
          })
          .option('emit-c', { type: 'string', describe: 'write C code with every buffer at a fixed pool offset to DIR (when it fits)' })
          .option('verbose', { type: 'boolean', describe: 'table: every column, a legend of the schedule notation, what is live at each worst step', default: false })
          .option('show', { type: 'string', describe: 'table: layers (per-layer table), buffers (every buffer\'s memory, offset, size, lifetime, kind) or all', default: 'layers' }),
      (a) => {
        selected = {
          kind: 'analyze',
          ...modelFlags(a),
          format: choice(a['format'], FORMAT_CHOICES, '--format'),
          ...(a['report'] !== undefined ? { reportDir: nonEmpty(a['report'], '--report') } : {}),
          ...(a['emit-c'] !== undefined ? { emitCDir: nonEmpty(a['emit-c'], '--emit-c') } : {}),
          minSram: bool(a['min-sram'], '--min-sram'),
          headroom: a['headroom'] === undefined ? 0 : parseHeadroom(single(a['headroom'], '--headroom')),
          verbose: bool(a['verbose'], '--verbose'),
          show: choice(a['show'], ['layers', 'buffers', 'all'] as const, '--show'),
        };
      },
    );

  const output = await new Promise<string>((resolve, reject) => {
    try {
      void parser.parse([...argv], {}, (err: Error | undefined, _args: unknown, out: string) => {
        if (err) reject(err instanceof ConfigError ? err : usageError(yargsMessage(err.message)));
        else resolve(out);
      });
    } catch (e) {
      reject(e);
    }
  });
  if (selected) return selected;
  if (output) return { kind: 'text', text: output.endsWith('\n') ? output : `${output}\n` };
  throw usageError('missing model file; run memplan --help for usage');
}

/** Options shared by the analyze and dump commands. */
function modelOptions<T>(y: Argv<T>) {
  return y
    .option('sram', { type: 'string', describe: 'shared SRAM size (e.g. 256K)' })
    .option('dram', { type: 'string', describe: 'DRAM size (e.g. 64M); 0 = no DRAM, every activation in SRAM' })
    .option('target', { type: 'string', describe: 'target description file (JSON)' })
    .option('cores', { type: 'string', describe: 'number of cores' })
    .option('input', { type: 'string', array: true, nargs: 1, describe: 'fix an input shape: NAME=1x3x96x96 (repeatable)' })
    .option('dtype', { type: 'string', describe: 'size activations as-is, as int8 or as float32', default: 'as-is' })
    .option('double-buffer', { type: 'boolean', describe: 'double-buffer streamed tiles when they fit (--no-double-buffer to disable)', default: true })
    .option('strategy', { type: 'string', describe: `planning strategy: ${STRATEGY_CHOICES.join(', ')}`, default: 'auto' })
    .option('time-limit', { type: 'string', describe: 'planner search time limit in seconds' })
    .option('seed', { type: 'string', describe: 'seed for randomized strategies', default: '1' })
    .option('graph-opt', { type: 'boolean', describe: 'graph optimizations: fusion, in place, aliases, copy-free Concat, memory-aware order (--no-graph-opt: the baseline)', default: true })
    .option('depth-first', { type: 'boolean', describe: 'depth-first segments: chains of layers run band by band with line buffers where that lowers the SRAM peak (--dram 0) or keeps intermediates out of DRAM; --no-depth-first to disable', default: true })
    .option('max-slowdown', { type: 'string', describe: 'with DRAM, keep a depth-first segment only when its estimated cycles exceed those of the layers it replaces by at most this (default 10%)' })
    .option('order', { type: 'string', describe: 'layer order: search (memory-aware) or file (the model\'s order)', default: 'search' });
}

type ModelFlags = Omit<AnalyzeCommand, 'kind' | 'format' | 'reportDir' | 'emitCDir' | 'minSram' | 'headroom' | 'verbose' | 'show'>;

function modelFlags(a: Record<string, unknown>): ModelFlags {
  const specs = parseInputSpecs((a['input'] as string[] | undefined) ?? []);
  const inputs = [...specs].map(([name, shape]) => ({ name, shape }));
  return {
    model: String(a['model']),
    ...optionalSize(a['sram'], '--sram', 'sramBytes'),
    ...(a['dram'] !== undefined && /^\s*0+\s*[a-zA-Z]*\s*$/.test(single(a['dram'], '--dram')) ? { dramBytes: 0 } : optionalSize(a['dram'], '--dram', 'dramBytes')),
    ...(a['target'] !== undefined ? { targetFile: nonEmpty(a['target'], '--target') } : {}),
    ...(a['cores'] !== undefined ? { cores: intFlag(a['cores'], '--cores', 1, 1024) } : {}),
    inputs,
    dtype: choice(a['dtype'], DTYPE_CHOICES, '--dtype'),
    doubleBuffer: bool(a['double-buffer'], '--double-buffer'),
    graphOpt: bool(a['graph-opt'], '--graph-opt'),
    depthFirst: bool(a['depth-first'], '--depth-first'),
    ...(a['max-slowdown'] !== undefined ? { maxSlowdown: parsePercent(single(a['max-slowdown'], '--max-slowdown'), '--max-slowdown', 1000) } : {}),
    order: choice(a['order'], ['search', 'file'] as const, '--order'),
    ...planFlags(a),
  };
}

/** `--capacity sram=256K` (repeatable): pool name and size in bytes; a pool named twice is an error. */
function parseCapacities(v: unknown): { pool: string; sizeBytes: number }[] {
  if (v === undefined) return [];
  const items = (Array.isArray(v) ? v : [v]).map((x) => String(x));
  const seen = new Set<string>();
  return items.map((item) => {
    const eq = item.lastIndexOf('=');
    const pool = eq > 0 ? item.slice(0, eq).trim() : '';
    if (pool === '') throw usageError(`invalid value '${item}' for --capacity: expected POOL=SIZE, e.g. sram=256K`, '--capacity');
    if (seen.has(pool)) throw usageError(`--capacity gives pool '${pool}' twice`, '--capacity');
    seen.add(pool);
    return { pool, sizeBytes: parseSize(item.slice(eq + 1), '--capacity') };
  });
}

/** `25%`: a percentage with its % sign, from 0% to `maxPct`%, as a fraction. */
export function parsePercent(text: string, flag: string, maxPct: number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  const pct = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(pct) || pct < 0 || pct > maxPct) {
    throw usageError(`invalid value '${text}' for ${flag}: expected a percentage with its % sign, from 0% to ${maxPct}%, e.g. 10%`, flag);
  }
  return pct / 100;
}

/** `10%` (percent of each bounded memory kept free), from 0% to below 100%; the `%` is required, so `0.1` is not taken for 0.1%. */
export function parseHeadroom(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  const pct = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(pct) || pct < 0 || pct >= 100) {
    const hint = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? ` (write the percent sign: '${text.trim()}%' keeps ${text.trim()}% free)` : '';
    throw usageError(`invalid value '${text}' for --headroom: expected a percentage with its % sign, from 0% to below 100%, e.g. 10%${hint}`, '--headroom');
  }
  return pct / 100;
}

function bool(v: unknown, flag: string): boolean {
  if (Array.isArray(v)) throw usageError(`${flag} is given more than once`, flag);
  if (typeof v !== 'boolean') throw usageError(`${flag} takes no value`, flag);
  return v;
}

function planFlags(a: Record<string, unknown>): CommonPlanFlags {
  const strategy = choice(a['strategy'], STRATEGY_CHOICES, '--strategy');
  const seed = intFlag(a['seed'], '--seed', 0, 2 ** 32 - 1);
  const tl = a['time-limit'];
  if (tl === undefined) return { strategy, seed };
  const seconds = Number(tl);
  if (typeof tl !== 'string' || tl.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86400) {
    throw usageError(`invalid value '${String(tl)}' for --time-limit: expected seconds, more than 0 and at most 86400`, '--time-limit');
  }
  return { strategy, seed, timeLimitMs: Math.round(seconds * 1000) };
}

function choice<T extends string>(v: unknown, choices: readonly T[], flag: string): T {
  const s = single(v, flag);
  if (!(choices as readonly string[]).includes(s)) {
    throw usageError(`invalid value '${s}' for ${flag}: expected one of ${choices.join(', ')}`, flag);
  }
  return s as T;
}

function single(v: unknown, flag: string): string {
  if (Array.isArray(v)) throw usageError(`${flag} is given more than once`, flag);
  if (typeof v !== 'string') throw usageError(`${flag} needs a value`, flag);
  return v;
}

function nonEmpty(v: unknown, flag: string): string {
  const s = single(v, flag);
  if (s.trim() === '') throw usageError(`${flag} needs a value`, flag);
  return s;
}

function intFlag(v: unknown, flag: string, min: number, max: number): number {
  const s = single(v, flag);
  const n = Number(s);
  if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`invalid value '${s}' for ${flag}: expected an integer from ${min} to ${max}`, flag);
  }
  return n;
}

function optionalSize<K extends string>(v: unknown, flag: string, key: K): { [P in K]?: number } {
  if (v === undefined) return {};
  return { [key]: parseSize(single(v, flag), flag) } as { [P in K]?: number };
}

/** yargs messages, made one line and lower-case in memplan's voice. */
function yargsMessage(msg: string): string {
  const unknown = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (unknown) return `unknown option ${unknown[1]!.split(',').map((s) => (s.trim().length > 1 ? `--${s.trim()}` : `-${s.trim()}`)).join(', ')}; run memplan --help for usage`;
  if (/Not enough non-option arguments/.test(msg)) return 'missing model file; run memplan --help for usage';
  return msg.replace(/\s*\n\s*/g, ' ');
}
