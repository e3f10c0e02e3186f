/**
 * The gate's one stderr line, told from a report's failures (built by reports/gate-failures.ts). The
 * line names the failing pool's worst step and layer, the ones the JSON gives in `pools[].worst`, so
 * the line, the JSON and the per-layer `fits` cells agree.
 */
import type { AnalysisReport, ReportFailure } from '../reports/analysis-model.js';

/**
 * The one stderr line of a run that does not fit: the failure with the most bytes over, told with its
 * memory's worst step and layer (those of `pools[].worst`), the smallest SRAM that fits (once), and how
 * many more failures the reports list.
 */
export function gateLine(report: AnalysisReport, options: { readonly noCWritten: boolean; readonly reportsWrittenTo?: string }): string {
  const over = (f: ReportFailure) => f.neededBytes - f.availableBytes;
  const first = [...report.failures].sort((a, b) => over(b) - over(a) || a.step - b.step)[0];
  if (!first) return '';
  const pool = report.pools.find((p) => p.name === first.memory);
  const worstStep = pool?.worst.step ?? first.step;
  const worstLayer = pool?.worst.layer ?? first.layer;
  // Of that memory's failures, the one at its worst step when there is one.
  const chosen = report.failures.find((f) => f.memory === first.memory && f.step === worstStep) ?? first;
  const fullest = chosen.step === worstStep ? '' : `; '${chosen.memory}' is fullest at step ${worstStep} (layer '${worstLayer}', ${pool?.worst.liveBytes ?? 0} bytes live)`;
  const min = report.minSramBytes !== undefined ? `; the smallest SRAM that works is ${report.minSramBytes} bytes` : '';
  const more = report.failures.length > 1 ? `; ${report.failures.length - 1} more in the report` : '';
  const noC = options.noCWritten ? '; no C was written' : '';
  const written = options.reportsWrittenTo !== undefined ? `; reports written to ${options.reportsWrittenTo}` : '';
  return `error ${chosen.code}: ${chosen.message}${fullest}${min}${more}${noC}${written} (file ${report.model}, layer '${worstLayer}', pool '${chosen.memory}')`;
}
