/**
 * The 'elementwise' and 'axis' tiling families (which ops: ir/op-table.ts).
 * Elementwise and activation ops (with ONNX broadcasting), Softmax-like ops along an axis:
 * split up to two outer output dimensions; an input follows a split when it has that dimension
 * (right-aligned) with the same extent, else it is broadcast and read whole along it.
 */
import type { Follow, TemplateInput, TilingFamily } from './family.js';
import { activationInputs, activationOutputs, identityFollow, shapeOf, splitDims, wholeFamily } from './family.js';
import { axisAttr } from '../../ir/attributes.js';

export function elementwiseFamily(input: TemplateInput): TilingFamily {
  const outs = activationOutputs(input);
  const ys = outs[0] !== undefined ? shapeOf(input, outs[0]) : [];
  if (outs.length !== 1) return wholeFamily(input, 'elementwise');
  const R = ys.length;
  const splits = splitDims(ys, [...Array(R).keys()]);
  return family(input, 'elementwise', ys, splits);
}

export function axisFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const outs = activationOutputs(input);
  const ys = outs[0] !== undefined ? shapeOf(input, outs[0]) : [];
  if (outs.length !== 1 || ys.length === 0) return wholeFamily(input, 'softmax');
  const R = ys.length;
  let allowed: number[];
  if (node.opType === 'LRN') {
    allowed = [...Array(R).keys()].filter((d) => d !== 1);
  } else if (node.opType === 'LayerNormalization') {
    // Normalises over every dim from `axis` on: tiles hold whole rows of them.
    const axis = axisAttr(node, R, -1);
    allowed = [...Array(R).keys()].filter((d) => d < axis);
  } else {
    const axis = axisAttr(node, R, input.graph.opsetVersion >= 13 ? -1 : 1);
    // Before opset 13 the op works on the input flattened at `axis`: every dim from axis on is one row.
    allowed = [...Array(R).keys()].filter((d) => (input.graph.opsetVersion >= 13 ? d !== axis : d < axis));
  }
  const template = node.opType === 'LRN' ? 'lrn' : node.opType === 'LayerNormalization' ? 'layernorm' : 'softmax';
  return family(input, template, ys, splitDims(ys, allowed), 8);
}

function family(input: TemplateInput, template: string, ys: readonly number[], splits: ReturnType<typeof splitDims>, opsPerElement = 1): TilingFamily {
  const R = ys.length;
  const inputs = activationInputs(input).map((t) => {
    const shape = shapeOf(input, t);
    const follows = splits.map((s): Follow | undefined => {
      const d = s.dim - (R - shape.length);
      return d >= 0 && shape[d] === s.extent ? identityFollow(d, s.extent) : undefined;
    });
    return { tensor: t, shape, follows };
  });
  const out = activationOutputs(input)[0]!;
  return {
    template,
    splits,
    inputs,
    outputs: [{ tensor: out, shape: ys, follows: splits.map((s) => identityFollow(s.dim, s.extent)) }],
    totalMacs: ys.reduce((a, b) => a * b, 1) * opsPerElement,
  };
}
