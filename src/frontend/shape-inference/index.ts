/** Per-operator shape and type inference: the registry and the broadcasting helpers. */
export { isDefaultOnnxDomain, shapeFunctionFor, SUPPORTED_OPS } from './registry.js';
export { broadcastAll, broadcastShapes, checkUnidirectional } from './broadcast.js';
export type { InferContext, NodeView, OutputType, ShapeFn, ValueInfo } from './types.js';
