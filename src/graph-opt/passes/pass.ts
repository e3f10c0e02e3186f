/** The shape of a layer pass: a named rewrite of the working state, run in a fixed order. */
import type { OptimizationKind } from '../layer-graph.js';
import type { LayerBuilder } from '../layer-builder.js';

export interface LayerPass {
  /** Kebab-case name, as it appears in rewrite records. */
  readonly name: string;
  /** The kind its savings are reported under. */
  readonly kind: OptimizationKind;
  /** Matches and applies every occurrence; records each one with `b.record`. */
  run(b: LayerBuilder): void;
}
