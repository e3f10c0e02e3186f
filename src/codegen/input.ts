/**
 * What codegen needs from the earlier stages, and nothing more: the scheduled graph, where each
 * buffer lives (the verified plan and the buffer set it was made from) and the model's name. The
 * pipeline builds it (toCodegenInput in src/pipeline.ts); codegen never imports the pipeline.
 */
import type { Graph } from '../ir/graph.js';
import type { ScheduledModel } from '../ir/loop.js';
import type { ScopedBufferSet } from '../liveness/extract.js';
import type { PlanResult } from '../../planner/types.js';

export interface CodegenInput {
  /** Model name shown in comments and the emitted README (the report's model name). */
  readonly modelName: string;
  /** The graph that was scheduled: one node per layer, in schedule order. */
  readonly graph: Graph;
  readonly schedule: ScheduledModel;
  /**
   * The planned buffers: pools (alignment), the pool of each storage scope, and each buffer's
   * lifetime in statement slots (layerStart maps slots to layers: buffers are poisoned after it).
   */
  readonly bufferSet: Pick<ScopedBufferSet, 'buffers' | 'pools' | 'layerStart' | 'poolOfScope'>;
  /** The verified plan: pool and offset of every allocation. */
  readonly plan: PlanResult;
}
