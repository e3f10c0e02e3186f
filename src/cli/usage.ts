/**
 * The command line's grammar as data, and the usage errors built from it before yargs sees the
 * arguments: a missing or an extra file per subcommand, `memplan help plan`, and a "did you mean"
 * suggestion for a misspelled option. Each problem is one ConfigError (MP105 or MP101) naming it.
 */
import { ConfigError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';

export type CommandName = 'analyze' | 'plan' | 'diff' | 'dump';

/** A long option: whether it takes a value (otherwise it is a boolean switch, `--no-NAME` negates). */
export interface OptionSpec {
  readonly name: string;
  readonly takesValue: boolean;
}

const MODEL_OPTIONS: readonly OptionSpec[] = [
  'sram', 'dram', 'target', 'cores', 'input', 'dtype', 'strategy', 'time-limit', 'seed', 'order', 'max-slowdown',
].map((name) => ({ name, takesValue: true })).concat([{ name: 'double-buffer', takesValue: false }, { name: 'graph-opt', takesValue: false }, { name: 'depth-first', takesValue: false }]);

export const OPTIONS: Readonly<Record<CommandName, readonly OptionSpec[]>> = {
  analyze: [
    ...MODEL_OPTIONS,
    ...['format', 'report', 'headroom', 'emit-c', 'show'].map((name) => ({ name, takesValue: true })),
    { name: 'min-sram', takesValue: false },
    { name: 'verbose', takesValue: false },
  ],
  dump: [...MODEL_OPTIONS, { name: 'stage', takesValue: true }],
  plan: ['strategy', 'time-limit', 'seed', 'format', 'capacity'].map((name) => ({ name, takesValue: true })),
  diff: [{ name: 'format', takesValue: true }, { name: 'all', takesValue: false }],
};

const GLOBAL_SWITCHES = ['help', 'version'];

/** The synopsis of each command, as the usage errors quote it. */
export const SYNOPSIS: Readonly<Record<CommandName, string>> = {
  analyze: 'memplan MODEL.onnx [--sram SIZE] [--dram SIZE] [--target FILE] [--format table|json|markdown|csv] [options]',
  plan: 'memplan plan BUFFERS.json [--capacity POOL=SIZE ...] [--strategy NAME] [--format table|json|csv]',
  diff: 'memplan diff OLD.json NEW.json [--format table|json|markdown] [--all]',
  dump: 'memplan dump MODEL.onnx --stage graph|schedule|buffers [model options]',
};

const SUBCOMMANDS: readonly CommandName[] = ['plan', 'diff', 'dump'];

/** What the pre-scan found: the command, its positional arguments, and argv for yargs. */
export interface ScannedArgs {
  readonly command: CommandName;
  readonly positionals: readonly string[];
  /** The arguments to hand to yargs (`help plan` becomes `plan --help`). */
  readonly argv: readonly string[];
  /** `--help` or `--version` was given: text is printed and no file is needed. */
  readonly wantsHelp: boolean;
}

const usage = (message: string) => ConfigError.one(Codes.BadUsage, message);

/**
 * Checks the command line's shape. Throws a ConfigError for an unknown option (with a suggestion),
 * a missing file, or an extra positional argument; `--help` anywhere skips the file checks.
 */
export function scanArgs(argvIn: readonly string[]): ScannedArgs {
  let argv = [...argvIn];
  if (argv[0] === 'help') {
    const topic = argv[1];
    if (topic === undefined) return { command: 'analyze', positionals: [], argv: ['--help'], wantsHelp: true };
    if (!(SUBCOMMANDS as readonly string[]).includes(topic)) {
      const hint = suggest(topic, [...SUBCOMMANDS]);
      throw usage(`no help topic '${topic}'${hint ? ` (did you mean '${hint}'?)` : ''}: topics are ${SUBCOMMANDS.join(', ')}; memplan --help describes the analysis`);
    }
    if (argv.length > 2) throw usage(`memplan help takes one topic, got ${argv.length - 1}: ${argv.slice(1).map((a) => `'${a}'`).join(' ')}`);
    argv = [topic, '--help'];
  }
  const command: CommandName = (SUBCOMMANDS as readonly string[]).includes(argv[0] ?? '') ? (argv[0] as CommandName) : 'analyze';
  const specs = OPTIONS[command];
  const byName = new Map(specs.map((s) => [s.name, s]));
  const positionals: string[] = [];
  let wantsHelp = false;
  for (let i = command === 'analyze' ? 0 : 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      wantsHelp = true;
      continue;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (GLOBAL_SWITCHES.includes(name)) {
        wantsHelp = true; // --help or --version: yargs prints text, no file is needed
        continue;
      }
      const spec = byName.get(name) ?? (name.startsWith('no-') ? byName.get(name.slice(3)) : undefined);
      if (!spec || (spec.takesValue && name.startsWith('no-') && !byName.has(name))) throw unknownOption(arg.slice(0, eq < 0 ? undefined : eq), command);
      if (spec.takesValue && eq < 0 && i + 1 < argv.length) i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) throw unknownOption(arg, command);
    positionals.push(arg);
  }
  if (!wantsHelp) checkPositionals(command, positionals);
  return { command, positionals, argv, wantsHelp };
}

function unknownOption(flag: string, command: CommandName): ConfigError {
  const name = flag.replace(/^-+/, '');
  const own = OPTIONS[command].map((s) => s.name);
  const hint = suggest(name, [...own, ...GLOBAL_SWITCHES]);
  const owner = hint ? undefined : (Object.keys(OPTIONS) as CommandName[]).find((c) => c !== command && OPTIONS[c].some((s) => s.name === name));
  const where = command === 'analyze' ? 'memplan --help' : `memplan help ${command}`;
  const detail = hint
    ? ` (did you mean --${hint}?)`
    : owner
      ? ` (--${name} is an option of ${owner === 'analyze' ? 'memplan MODEL' : `memplan ${owner}`}, not of ${command === 'analyze' ? 'memplan MODEL' : `memplan ${command}`})`
      : '';
  return ConfigError.one(Codes.BadFlag, `unknown option ${flag}${detail}; run ${where} for the options`, { flag });
}

function checkPositionals(command: CommandName, pos: readonly string[]): void {
  const quote = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
  switch (command) {
    case 'analyze': {
      if (pos.length === 0) throw usage(`missing model file; usage: ${SYNOPSIS.analyze}`);
      const first = pos[0]!;
      const cmd = !/[./\\]/.test(first) ? suggest(first, [...SUBCOMMANDS, 'help']) : undefined;
      if (cmd && pos.length > 0) throw usage(`unknown command '${first}' (did you mean '${cmd}'?); commands: ${SUBCOMMANDS.join(', ')}, help`);
      if (pos.length === 1) return;
      const models = pos.filter((p) => /\.(onnx|tflite)$/i.test(p));
      if (models.length > 1) {
        throw usage(
          `memplan analyzes one model at a time, got ${pos.length} files: ${quote(pos)}; to compare two models, write each report with --format json and run memplan diff OLD.json NEW.json`,
        );
      }
      throw usage(`unexpected argument '${pos[1]}' after the model file '${first}' (options start with --); usage: ${SYNOPSIS.analyze}`);
    }
    case 'dump':
      if (pos.length === 0) throw usage(`memplan dump: missing model file; usage: ${SYNOPSIS.dump}`);
      if (pos.length > 1) throw usage(`memplan dump: unexpected argument '${pos[1]}' after the model file '${pos[0]}'; usage: ${SYNOPSIS.dump}`);
      return;
    case 'plan':
      if (pos.length === 0) throw usage(`memplan plan: missing the buffer-set file; usage: ${SYNOPSIS.plan}`);
      if (pos.length > 1) throw usage(`memplan plan takes one buffer-set file, got ${pos.length}: ${quote(pos)}; usage: ${SYNOPSIS.plan}`);
      return;
    case 'diff':
      if (pos.length === 0) throw usage(`memplan diff: missing the two reports to compare; usage: ${SYNOPSIS.diff}`);
      if (pos.length === 1) throw usage(`memplan diff: missing the new report after '${pos[0]}'; usage: ${SYNOPSIS.diff}`);
      if (pos.length > 2) throw usage(`memplan diff compares two reports, got ${pos.length}: ${quote(pos)}; usage: ${SYNOPSIS.diff}`);
      return;
  }
}

/** The closest candidate within a small edit distance (or that extends a prefix), else undefined. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = word.length <= 3 ? 1 : 2;
  if (best !== undefined && bestDistance <= limit) return best;
  const prefixed = candidates.filter((c) => word.length >= 3 && c.startsWith(word.toLowerCase()));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Damerau-Levenshtein distance (optimal string alignment: a swap of neighbours costs 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
