/** `memplan diff OLD.json NEW.json`: per-layer and per-pool deltas; exit 1 when the new one does not fit. */
import * as path from 'node:path';
import type { Host } from '../../host.js';
import type { DiffCommand } from '../args.js';
import type { CliResult } from '../command-context.js';
import { readTextFile } from '../command-context.js';
import type { AnalysisReport } from '../../../reports/analysis-model.js';
import { diffReports, renderDiffJson, renderDiffText } from '../../../reports/diff.js';
import { InputError } from '../../diagnostics/errors.js';
import { Codes } from '../../diagnostics/codes.js';

export async function runDiff(cmd: DiffCommand, host: Host): Promise<CliResult> {
  const oldR = readReport(host, cmd.oldFile);
  const newR = readReport(host, cmd.newFile);
  const d = diffReports(oldR, newR);
  host.stdout(cmd.format === 'json' ? renderDiffJson(d) : renderDiffText(d, { markdown: cmd.format === 'markdown', maxLayers: cmd.all ? Infinity : 20 }));
  if (!newR.fits) {
    const f = newR.failures[0];
    host.stderr(`error ${Codes.DoesNotFit}: ${f ? f.message : 'the new report does not fit'} (file ${path.basename(cmd.newFile)})\n`);
    return { exitCode: 1 };
  }
  return { exitCode: 0 };
}

/** Reads an analysis JSON report, checking the fields the diff relies on. */
function readReport(host: Host, file: string): AnalysisReport {
  const base = path.basename(file);
  const bad = (what: string) => InputError.one(Codes.BadUsage, `'${file}' is not a memplan JSON report: ${what}`, { file: base });
  const text = readTextFile(host, file, () => bad('not UTF-8 text'));
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  const r = v as Partial<AnalysisReport> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad('not an object');
  if (r.schemaVersion !== 1) throw bad('schemaVersion is not 1');
  if (typeof r.model !== 'string' || typeof r.fits !== 'boolean') throw bad("missing 'model' or 'fits'");
  if (!Array.isArray(r.pools) || !r.pools.every((p) => typeof p?.name === 'string' && Number.isInteger(p.usedBytes) && (p.sizeBytes === null || Number.isInteger(p.sizeBytes)))) {
    throw bad("'pools' must list name, usedBytes and sizeBytes");
  }
  if (!Number.isInteger(r.peakLiveBytes)) throw bad("missing 'peakLiveBytes'");
  const counts = ['sramBytes', 'cycles', 'dmaInBytes', 'dmaOutBytes'] as const;
  if (!Array.isArray(r.layers) || !r.layers.every((l) => typeof l?.name === 'string' && counts.every((k) => Number.isInteger(l[k])) && typeof l.fits === 'boolean')) {
    throw bad("'layers' must list name, sramBytes, cycles, dmaInBytes, dmaOutBytes and fits");
  }
  if (!Array.isArray(r.failures)) throw bad("missing 'failures'");
  return r as AnalysisReport;
}
