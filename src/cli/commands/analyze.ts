/** The default command: analyze a model, plan its buffers, render the report, gate on fit. */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { Host } from '../../host.js';
import type { AnalyzeCommand, DumpCommand } from '../args.js';
import type { CliResult } from '../run-cli.js';
import { readInputFile, readTextFile } from '../run-cli.js';
import { analyzeModel } from '../../pipeline.js';
import type { AnalyzeOptions } from '../../pipeline.js';
import { DEFAULT_TARGET, applyOverrides, parseTarget } from '../../schedule/target.js';
import type { TargetSpec } from '../../schedule/target.js';
import type { AnalysisReport, ReportProvenance } from '../../../reports/analysis-model.js';
import { renderTable } from '../../../reports/table.js';
import { renderJson } from '../../../reports/json.js';
import { renderMarkdown } from '../../../reports/markdown.js';
import { renderCsv } from '../../../reports/csv.js';
import { renderHtml } from '../../../reports/html.js';
import { bufferSetToJson } from '../../bufferset/index.js';
import { generateC } from '../../codegen/generate.js';
import { writeCFiles } from './codegen.js';
import { ConfigError } from '../../diagnostics/errors.js';
import { Codes } from '../../diagnostics/codes.js';
import { gateLine } from '../../gate.js';

/** What analyze and dump share: the model's bytes and the pipeline options from the model flags. */
export function pipelineInputs(cmd: Omit<DumpCommand, 'kind' | 'stage'>, host: Host): { bytes: Uint8Array; options: AnalyzeOptions } {
  const modelName = path.basename(cmd.model);
  const target = loadTarget(cmd, host);
  const bytes = readInputFile(host, cmd.model);
  return {
    bytes,
    options: {
      modelName,
      target,
      inputShapes: new Map(cmd.inputs.map((i) => [i.name, i.shape] as const)),
      dtype: cmd.dtype,
      strategy: cmd.strategy,
      seed: cmd.seed,
      doubleBuffer: cmd.doubleBuffer,
      graphOpt: cmd.graphOpt,
      depthFirst: cmd.depthFirst,
      ...(cmd.maxSlowdown !== undefined ? { maxSlowdown: cmd.maxSlowdown } : {}),
      order: cmd.order,
      ...(cmd.timeLimitMs !== undefined ? { timeLimitMs: cmd.timeLimitMs } : {}),
    },
  };
}

/** What runAnalyze records in reports about the run itself. */
export interface RunInfo {
  /** The arguments as given (without `memplan`). */
  readonly argv: readonly string[];
  readonly memplanVersion: string;
}

export async function runAnalyze(cmd: AnalyzeCommand, host: Host, run: RunInfo): Promise<CliResult> {
  // Output folders first: a long analysis must not fail at the end on a path that cannot be written.
  checkOutputDirs(cmd, host);
  const { bytes, options } = pipelineInputs(cmd, host);
  const progress = host.stderrIsTty
    ? (info: { readonly phase: string; readonly bestBytes: number; readonly lowerBoundBytes: number }) =>
        host.stderr(`\r${info.phase}: best ${info.bestBytes} bytes, lower bound ${info.lowerBoundBytes} bytes   `)
    : undefined;
  const analysis = await analyzeModel(bytes, {
    ...options,
    findMinSram: cmd.minSram,
    headroom: cmd.headroom,
    ...(progress ? { onProgress: progress } : {}),
  });
  if (progress) host.stderr('\r\x1b[K');
  const report: AnalysisReport = { ...analysis.report, provenance: provenance(cmd, bytes, host, run) };
  // Generate the C before printing anything, so an operator without a kernel is a clean exit 2.
  // C is only written for a plan that fits: pools larger than the chip's memories would not link.
  const cFiles = cmd.emitCDir !== undefined && report.fits ? generateC(analysis).files : undefined;
  const text = render(report, cmd, host.stdoutColumns ?? DEFAULT_WIDTH_CHARS);
  // Files before stdout: should a write still fail (the folder changed meanwhile), exit 2 leaves stdout empty.
  const emitCDir = cmd.emitCDir;
  if (emitCDir !== undefined && cFiles) writeOutput('--emit-c', emitCDir, () => writeCFiles(cFiles, emitCDir, host));
  const reportDir = cmd.reportDir;
  if (reportDir !== undefined) {
    writeOutput('--report', reportDir, () => {
      host.mkdirp(reportDir);
      host.writeFile(path.join(reportDir, 'report.html'), renderHtml(report));
      host.writeFile(path.join(reportDir, 'report.json'), renderJson(report));
      host.writeFile(path.join(reportDir, 'report.md'), renderMarkdown(report));
      host.writeFile(path.join(reportDir, 'report.csv'), renderCsv(report));
      host.writeFile(path.join(reportDir, 'buffers.json'), bufferSetToJson(analysis.bufferSet.buffers, analysis.bufferSet.pools.map((p) => ({ ...p, sizeBytes: analysis.bufferSet.capacities.get(p.name) ?? null }))));
    });
  }
  host.stdout(text);
  if (!report.fits) {
    host.stderr(`${gateLine(report, { noCWritten: cmd.emitCDir !== undefined, ...(cmd.reportDir !== undefined ? { reportsWrittenTo: dirName(cmd.reportDir) } : {}) })}\n`);
    return { exitCode: 1 };
  }
  const wrote = [
    ...(cmd.reportDir !== undefined ? [`reports written to ${dirName(cmd.reportDir)} (report.html, report.md, report.json, report.csv, buffers.json)`] : []),
    ...(cmd.emitCDir !== undefined ? [`C written to ${dirName(cmd.emitCDir)} (build and run: see ${path.join(cmd.emitCDir, 'README.md')})`] : []),
  ];
  if (wrote.length > 0) host.stderr(`memplan: ${wrote.join('; ')}\n`);
  return { exitCode: 0 };
}

/** --report DIR and --emit-c DIR: each must be a directory that can be written, or a path where one can be created. */
export function checkOutputDirs(cmd: Pick<AnalyzeCommand, 'reportDir' | 'emitCDir'>, host: Host): void {
  for (const [flag, dir] of [['--report', cmd.reportDir], ['--emit-c', cmd.emitCDir]] as const) {
    if (dir === undefined) continue;
    const problem = host.outputDirProblem(dir);
    if (problem !== undefined) throw ConfigError.one(Codes.BadFlag, `cannot write to '${dir}': ${problem}`, { flag });
  }
}

/** Runs a write into an output folder; a system error becomes a one-line exit-2 error naming the folder. */
function writeOutput(flag: string, dir: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw ConfigError.one(Codes.BadFlag, `cannot write to '${dir}': ${code}${(e as NodeJS.ErrnoException).path ? ` at '${(e as NodeJS.ErrnoException).path}'` : ''}`, { flag });
  }
}

/** Tables are laid out for this width when stdout is not a terminal (a pipe, a file, CI logs). */
export const DEFAULT_WIDTH_CHARS = 120;

function dirName(dir: string): string {
  return dir.endsWith('/') || dir.endsWith(path.sep) ? dir : `${dir}/`;
}

/** First 16 hex digits of the SHA-256 of some bytes. */
export function shortSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** A shell-ready command line: arguments with spaces or shell characters are single-quoted. */
export function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['memplan', ...argv.map(quote)].join(' ');
}

function provenance(cmd: AnalyzeCommand, modelBytes: Uint8Array, host: Host, run: RunInfo): ReportProvenance {
  return {
    memplanVersion: run.memplanVersion,
    commandLine: commandLine(run.argv),
    modelSha256: shortSha256(modelBytes),
    ...(cmd.targetFile !== undefined ? { targetFile: { name: path.basename(cmd.targetFile), sha256: shortSha256(host.readFile(cmd.targetFile)) } } : {}),
  };
}

function render(report: AnalysisReport, cmd: AnalyzeCommand, widthChars: number): string {
  switch (cmd.format) {
    case 'table':
      return renderTable(report, { widthChars, verbose: cmd.verbose, show: cmd.show });
    case 'json':
      return renderJson(report);
    case 'markdown':
      return renderMarkdown(report);
    case 'csv':
      return renderCsv(report);
  }
}

export function loadTarget(cmd: Pick<AnalyzeCommand, 'targetFile' | 'sramBytes' | 'dramBytes' | 'cores'>, host: Host): TargetSpec {
  let target = DEFAULT_TARGET;
  if (cmd.targetFile !== undefined) {
    const text = readTextFile(host, cmd.targetFile, (file) => ConfigError.one(Codes.BadTarget, 'target file is not UTF-8 text', { file }));
    target = parseTarget(text, path.basename(cmd.targetFile));
  }
  return applyOverrides(target, {
    ...(cmd.sramBytes !== undefined ? { sramBytes: cmd.sramBytes } : {}),
    ...(cmd.dramBytes !== undefined ? { dramBytes: cmd.dramBytes } : {}),
    ...(cmd.cores !== undefined ? { cores: cmd.cores } : {}),
  });
}
