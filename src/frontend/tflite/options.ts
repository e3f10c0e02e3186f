/**
 * TFLite builtin options -> node attributes (the schema's option tables, by field id). Every TFLite
 * node also carries `layout` = 'NHWC'. Fused activations are the `fused_activation` attribute
 * (NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT), honoured by the shape check (none needed) and
 * by the integer C (it clamps the output range).
 */
import type { AttrValue } from '../../ir/graph.js';
import type { Table } from './flatbuffer.js';
import { FlatbufferError } from './flatbuffer.js';

type Field = readonly [name: string, id: number, kind: 'i32' | 'i8' | 'bool' | 'f32' | 'act' | 'pad' | 'ints', dflt: number];

const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];
const PADDINGS = ['SAME', 'VALID'];

/** Per op: the BuiltinOptions union type it expects and the fields read from it. */
const OPTIONS: Readonly<Record<string, { readonly type: number; readonly fields: readonly Field[] }>> = {
  CONV_2D: { type: 1, fields: [['padding', 0, 'pad', 0], ['stride_w', 1, 'i32', 1], ['stride_h', 2, 'i32', 1], ['fused_activation', 3, 'act', 0], ['dilation_w', 4, 'i32', 1], ['dilation_h', 5, 'i32', 1]] },
  DEPTHWISE_CONV_2D: { type: 2, fields: [['padding', 0, 'pad', 0], ['stride_w', 1, 'i32', 1], ['stride_h', 2, 'i32', 1], ['depth_multiplier', 3, 'i32', 1], ['fused_activation', 4, 'act', 0], ['dilation_w', 5, 'i32', 1], ['dilation_h', 6, 'i32', 1]] },
  AVERAGE_POOL_2D: { type: 5, fields: [['padding', 0, 'pad', 0], ['stride_w', 1, 'i32', 1], ['stride_h', 2, 'i32', 1], ['filter_w', 3, 'i32', 1], ['filter_h', 4, 'i32', 1], ['fused_activation', 5, 'act', 0]] },
  MAX_POOL_2D: { type: 5, fields: [['padding', 0, 'pad', 0], ['stride_w', 1, 'i32', 1], ['stride_h', 2, 'i32', 1], ['filter_w', 3, 'i32', 1], ['filter_h', 4, 'i32', 1], ['fused_activation', 5, 'act', 0]] },
  SVDF: { type: 6, fields: [['rank', 0, 'i32', 1], ['fused_activation', 1, 'act', 0]] },
  FULLY_CONNECTED: { type: 8, fields: [['fused_activation', 0, 'act', 0], ['weights_format', 1, 'i8', 0], ['keep_num_dims', 2, 'bool', 0]] },
  SOFTMAX: { type: 9, fields: [['beta', 0, 'f32', 1]] },
  CONCATENATION: { type: 10, fields: [['axis', 0, 'i32', 0], ['fused_activation', 1, 'act', 0]] },
  ADD: { type: 11, fields: [['fused_activation', 0, 'act', 0], ['pot_scale_int16', 1, 'bool', 1]] },
  RESHAPE: { type: 17, fields: [['new_shape', 0, 'ints', 0]] },
  MUL: { type: 21, fields: [['fused_activation', 0, 'act', 0]] },
  PAD: { type: 22, fields: [] },
  PADV2: { type: 43, fields: [] },
  TRANSPOSE: { type: 26, fields: [] },
  MEAN: { type: 27, fields: [['keep_dims', 0, 'bool', 0]] },
  SUM: { type: 27, fields: [['keep_dims', 0, 'bool', 0]] },
  REDUCE_MAX: { type: 27, fields: [['keep_dims', 0, 'bool', 0]] },
  SUB: { type: 28, fields: [['fused_activation', 0, 'act', 0], ['pot_scale_int16', 1, 'bool', 1]] },
  STRIDED_SLICE: { type: 32, fields: [['begin_mask', 0, 'i32', 0], ['end_mask', 1, 'i32', 0], ['ellipsis_mask', 2, 'i32', 0], ['new_axis_mask', 3, 'i32', 0], ['shrink_axis_mask', 4, 'i32', 0], ['offset', 5, 'bool', 0]] },
  TRANSPOSE_CONV: { type: 49, fields: [['padding', 0, 'pad', 0], ['stride_w', 1, 'i32', 1], ['stride_h', 2, 'i32', 1], ['fused_activation', 3, 'act', 0]] },
  UNIDIRECTIONAL_SEQUENCE_LSTM: { type: 71, fields: [['fused_activation', 0, 'act', 0], ['cell_clip', 1, 'f32', 0], ['proj_clip', 2, 'f32', 0], ['time_major', 3, 'bool', 0]] },
  LEAKY_RELU: { type: 75, fields: [['alpha', 0, 'f32', 0]] },
};

/** The attributes of an operator from its options table (defaults where the table or a field is absent). */
export function attributesOf(opName: string, optionsType: number, options: Table | undefined): Map<string, AttrValue> {
  const attrs = new Map<string, AttrValue>([['layout', { type: 'string', value: 'NHWC' }]]);
  const spec = OPTIONS[opName];
  if (!spec) return attrs;
  if (optionsType !== 0 && optionsType !== spec.type) {
    throw new FlatbufferError(`${opName} carries options of union type ${optionsType}, not ${spec.type}`);
  }
  for (const [name, id, kind, dflt] of spec.fields) {
    switch (kind) {
      case 'i32':
      case 'i8':
      case 'bool':
        attrs.set(name, { type: 'int', value: options ? options.scalar(id, kind, dflt, name) : dflt });
        break;
      case 'f32':
        attrs.set(name, { type: 'float', value: options ? options.scalar(id, 'f32', dflt, name) : dflt });
        break;
      case 'act':
      case 'pad': {
        const v = options ? options.scalar(id, 'i8', dflt, name) : dflt;
        const names = kind === 'act' ? ACTIVATIONS : PADDINGS;
        const s = names[v];
        if (s === undefined) throw new FlatbufferError(`${opName} has an unknown ${name} value ${v}`);
        attrs.set(name, { type: 'string', value: s });
        break;
      }
      case 'ints': {
        const v = options?.scalars(id, 'i32', name);
        if (v) attrs.set(name, { type: 'ints', value: v });
        break;
      }
    }
  }
  return attrs;
}
