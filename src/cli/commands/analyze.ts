/** The default command: analyze a model, plan its buffers, render the report, gate on fit. */
import * as path from 'node:path';
import type { Host } from '../../host.js';
import type { AnalyzeCommand, DumpCommand, OutputFormat } from '../args.js';
import type { CliResult } from '../run-cli.js';
import { readInputFile, readTextFile } from '../run-cli.js';
import { analyzeModel } from '../../pipeline.js';
import type { AnalyzeOptions } from '../../pipeline.js';
import { DEFAULT_TARGET, applyOverrides, parseTarget } from '../../schedule/target.js';
import type { TargetSpec } from '../../schedule/target.js';
import type { AnalysisReport } from '../../../reports/analysis-model.js';
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
      order: cmd.order,
      ...(cmd.timeLimitMs !== undefined ? { timeLimitMs: cmd.timeLimitMs } : {}),
    },
  };
}

export async function runAnalyze(cmd: AnalyzeCommand, host: Host): Promise<CliResult> {
  const modelName = path.basename(cmd.model);
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
  const report = analysis.report;
  // Generate the C before printing anything, so an operator without a kernel is a clean exit 2.
  // C is only written for a plan that fits: pools larger than the chip's memories would not link.
  const cFiles = cmd.emitCDir !== undefined && report.fits ? generateC(analysis).files : undefined;
  host.stdout(render(report, cmd.format));
  if (cmd.emitCDir !== undefined && cFiles) writeCFiles(cFiles, cmd.emitCDir, host);
  if (cmd.reportDir !== undefined) {
    host.mkdirp(cmd.reportDir);
    host.writeFile(path.join(cmd.reportDir, 'report.html'), renderHtml(report));
    host.writeFile(path.join(cmd.reportDir, 'report.json'), renderJson(report));
    host.writeFile(path.join(cmd.reportDir, 'report.md'), renderMarkdown(report));
    host.writeFile(path.join(cmd.reportDir, 'report.csv'), renderCsv(report));
    host.writeFile(path.join(cmd.reportDir, 'buffers.json'), bufferSetToJson(analysis.bufferSet.buffers, analysis.bufferSet.pools.map((p) => ({ ...p, sizeBytes: analysis.bufferSet.capacities.get(p.name) ?? null }))));
  }
  if (!report.fits) {
    // One line on stderr: the worst failure (most bytes over), and how many more there are; the
    // reports list them all.
    const worst = [...report.failures].sort((a, b) => b.neededBytes - b.availableBytes - (a.neededBytes - a.availableBytes) || a.step - b.step)[0]!;
    const more = report.failures.length > 1 ? `; ${report.failures.length - 1} more in the report` : '';
    host.stderr(`error ${worst.code}: ${worst.message}${more}${cmd.emitCDir !== undefined ? '; no C was written' : ''} (file ${modelName}, layer '${worst.layer}', pool '${worst.memory}')\n`);
    return { exitCode: 1 };
  }
  return { exitCode: 0 };
}

function render(report: AnalysisReport, format: OutputFormat): string {
  switch (format) {
    case 'table':
      return renderTable(report);
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
