/**
 * Recurrent layers: RNN, GRU, LSTM. X is [seq, batch, input] (layout 0) or [batch, seq, input]
 * (layout 1, opset 14); Y is [seq, dirs, batch, hidden] or [batch, seq, dirs, hidden]; Y_h and Y_c
 * are [dirs, batch, hidden] or [batch, dirs, hidden].
 */
import { Codes } from '../../diagnostics/codes.js';
import type { OutputType, ShapeFn } from './types.js';
import { attrInt, attrString, fail, fmt, requireInput, requireRank, unsupported } from './util.js';

const GATES: Readonly<Record<string, number>> = { RNN: 1, GRU: 3, LSTM: 4 };

const recurrent: ShapeFn = (ctx, inputs) => {
  const x = requireRank(ctx, requireInput(ctx, inputs, 0, 'X'), 3, 'X');
  const w = requireRank(ctx, requireInput(ctx, inputs, 1, 'W'), 3, 'W');
  const direction = attrString(ctx, 'direction', 'forward');
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') {
    unsupported(ctx, `direction '${direction}' is not supported`);
  }
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const gates = GATES[ctx.node.opType] ?? 1;
  const hidden = attrInt(ctx, 'hidden_size') ?? (w.shape[1] as number) / gates;
  if (!Number.isInteger(hidden) || hidden < 1 || w.shape[0] !== dirs || w.shape[1] !== gates * hidden) {
    fail(ctx, Codes.ShapeMismatch, `weights ${fmt(w.shape)} do not match ${dirs} direction(s) of ${gates} gates of hidden size ${hidden}`);
  }
  const layout = attrInt(ctx, 'layout', 0);
  const [seq, batch] = layout === 0 ? [x.shape[0] as number, x.shape[1] as number] : [x.shape[1] as number, x.shape[0] as number];
  if (w.shape[2] !== x.shape[2]) fail(ctx, Codes.ShapeMismatch, `weights ${fmt(w.shape)} do not match input size ${x.shape[2]}`);
  const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  const out: OutputType[] = [{ dtype: x.dtype, shape: y }];
  for (let i = 1; i < ctx.node.outputs.length; i++) out.push({ dtype: x.dtype, shape: state });
  return out;
};

export const RECURRENT_OPS: Readonly<Record<string, ShapeFn>> = {
  RNN: recurrent,
  GRU: recurrent,
  LSTM: recurrent,
};
