import type { AnalysisReport } from './analysis-model.js';

/** The analysis JSON of DESIGN.md: exact integer bytes, stable key order, 2-space indent, final newline. */
export function renderJson(report: AnalysisReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
