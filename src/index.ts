/**
 * memplan's public API: explicit named exports only. The CLI (`memplan`) is built on exactly these.
 */
export { analyzeModel, analyzeGraph, findMinSram, toCodegenInput } from './pipeline.js';
export type { Analysis, AnalyzeOptions } from './pipeline.js';
export { importOnnx } from './frontend/import-onnx.js';
export type { ImportOptions } from './frontend/import-onnx.js';
export { graphLiveness } from './liveness/graph-liveness.js';
export type { DtypeMode, GraphLiveness, LiveInterval } from './liveness/graph-liveness.js';
export { extractBufferSets } from './liveness/extract.js';
export type { ScopedBufferSet } from './liveness/extract.js';
export { scheduleGraph } from './schedule/schedule-graph.js';
export type { ScheduleOptions, ScheduleResult, LayerFailure } from './schedule/schedule-graph.js';
export { DEFAULT_TARGET, applyOverrides, parseTarget } from './schedule/target.js';
export type { TargetSpec, MemorySpec, DmaSpec } from './schedule/target.js';
export { printGraph, printSchedule } from './ir/print.js';
export type { Graph, OpNode, TensorInfo, ConstTensor, DType } from './ir/graph.js';
export type { ScheduledModel, LayerSchedule, LoopBuffer, Stmt } from './ir/loop.js';
export { generateC } from './codegen/generate.js';
export type { CodegenInput } from './codegen/input.js';
export { parseBufferSetJson, parseMiniMallocCsv, parseGlowTrace, planToJson, bufferSetToJson } from './bufferset/index.js';
export { runCli } from './cli/run-cli.js';
export { nodeHost, memoryHost } from './host.js';
export type { Host } from './host.js';
export { MemplanError, InputError, UnsupportedError, ConfigError, PlanError } from './diagnostics/errors.js';
export type { Diagnostic } from './diagnostics/diagnostic.js';
export { planMemory, verifyPlan, PlannerError } from '../planner/index.js';
export type { BufferInfo, Pool, PlanResult, PlanOptions, StrategyName, PlanIssue, PlannerErrorKind } from '../planner/index.js';
export { fromPlannerError, planIssueToDiagnostic } from './diagnostics/planner-errors.js';
export { renderTable } from '../reports/table.js';
export { renderJson } from '../reports/json.js';
export { renderMarkdown } from '../reports/markdown.js';
export { renderCsv } from '../reports/csv.js';
export { renderHtml } from '../reports/html.js';
export { diffReports, renderDiffText, renderDiffJson } from '../reports/diff.js';
export type { AnalysisReport } from '../reports/analysis-model.js';
