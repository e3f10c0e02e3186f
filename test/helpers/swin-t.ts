/**
 * A Swin-T built op by op as torchvision's `swin_t` exports to ONNX (opset 17: LayerNormalization,
 * GELU in its Erf form), with seeded random weights. The real widths (96/192/384/768), heads
 * (3/6/12/24), window 7 and patch 4; only the depth is scaled (`depths`, default [2,2,1,1]: stages 1
 * and 2 keep a plain and a shifted block; stages 3 and 4 never shift at 96x96, since their padded
 * maps are no larger than a window).
 *
 * Per block, as torchvision's shifted_window_attention: LayerNorm; Pad of H/W up to a multiple of 7
 * (F.pad); on shifted blocks torch.roll by -3 on H then W (Slice+Concat pairs); window partition
 * (Reshape to 6-D, Transpose, Reshape); qkv MatMul+Add; Reshape/Transpose to [3,B*nW,heads,49,hd];
 * q/k/v by Gather; q*scale; q @ k^T; + relative position bias [1,heads,49,49]; on shifted blocks a
 * Reshape to [1,nW,heads,49,49], + mask [1,nW,1,49,49] (0 / -100), Reshape back; Softmax; @ v;
 * Transpose/Reshape; proj MatMul+Add; window reverse; roll back by +3; Slice off the padding; residual
 * Add; LayerNorm; MLP MatMul+Add, GELU (Div, Erf, Add, Mul, Mul), MatMul+Add; residual Add. Patch
 * merging: strided Slices of the NHWC map, Concat on channels, LayerNorm, MatMul without bias. Head:
 * LayerNorm, Transpose to NCHW, GlobalAveragePool, Flatten, MatMul+Add.
 */
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import type { Attr } from '../../fixtures/onnx-writer.js';

/** A seeded uniform stream in [-scale, scale). */
function seeded(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

export interface SwinOptions {
  readonly size?: number;
  readonly depths?: readonly number[];
  readonly classes?: number;
}

export function swinT(o: SwinOptions = {}): Uint8Array {
  const size = o.size ?? 96;
  const depths = o.depths ?? [2, 2, 1, 1];
  const classes = o.classes ?? 1000;
  const widths = [96, 192, 384, 768];
  const heads = [3, 6, 12, 24];
  const ws = 7;
  const g = new OnnxGraphBuilder('swin_t');
  let seed = 1;
  let uid = 0;
  const name = (s: string) => `${s}_${uid++}`;
  const i64 = (vals: readonly number[]) => {
    const n = name('c');
    g.initializer(n, tensor.int64([vals.length], vals));
    return n;
  };
  const f32 = (dims: readonly number[], vals: Float32Array | readonly number[]) => {
    const n = name('w');
    g.initializer(n, tensor.float32(dims, vals));
    return n;
  };
  const op = (type: string, inputs: readonly string[], attributes?: Readonly<Record<string, Attr>>) => {
    const out = name(type);
    g.node(type, inputs, [out], { name: `/${out}`, ...(attributes ? { attributes } : {}) });
    return out;
  };
  const linear = (x: string, cin: number, cout: number, bias = true) => {
    const w = f32([cin, cout], seeded(cin * cout, seed++, 1 / Math.sqrt(cin)));
    const y = op('MatMul', [x, w]);
    return bias ? op('Add', [y, f32([cout], seeded(cout, seed++, 0.05))]) : y;
  };
  const layerNorm = (x: string, c: number) => {
    const scale = seeded(c, seed++, 0.2).map((v) => 1 + v);
    return op('LayerNormalization', [x, f32([c], scale), f32([c], seeded(c, seed++, 0.1))], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
  };
  const slice = (x: string, starts: number[], ends: number[], axes: number[], steps?: number[]) =>
    op('Slice', [x, i64(starts), i64(ends), i64(axes), ...(steps ? [i64(steps)] : [])]);
  /** torch.roll(x, shifts=(s, s), dims=(1, 2)) on an [1, n, n, C] map: cat(x[n-s':], x[:n-s']) per dim. */
  const roll = (x: string, n: number, shift: number) => {
    const k = ((-shift % n) + n) % n; // the first k rows move to the end
    let y = x;
    for (const axis of [1, 2]) {
      const a = slice(y, [k], [n], [axis]);
      const b = slice(y, [0], [k], [axis]);
      y = op('Concat', [a, b], { axis: attr.int(axis) });
    }
    return y;
  };

  g.input('input', 'float32', [1, 3, size, size]);
  const pw = f32([96, 3, 4, 4], seeded(96 * 48, seed++, 1 / Math.sqrt(48)));
  let x = op('Conv', ['input', pw, f32([96], seeded(96, seed++, 0.05))], { kernel_shape: attr.ints([4, 4]), strides: attr.ints([4, 4]) });
  x = op('Transpose', [x], { perm: attr.ints([0, 2, 3, 1]) });
  x = layerNorm(x, 96);
  let hw = size / 4;

  for (let stage = 0; stage < 4; stage++) {
    const c = widths[stage]!;
    const nh = heads[stage]!;
    const hd = c / nh;
    if (stage > 0) {
      // Patch merging of the previous stage's map (even sides here: no pad).
      const cp = widths[stage - 1]!;
      const parts = [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ].map(([h, w]) => slice(x, [h!, w!], [hw, hw], [1, 2], [2, 2]));
      x = op('Concat', parts, { axis: attr.int(-1) });
      x = layerNorm(x, 4 * cp);
      x = linear(x, 4 * cp, c, false);
      hw /= 2;
    }
    const padded = Math.ceil(hw / ws) * ws;
    const nwSide = padded / ws;
    const nW = nwSide * nwSide;
    for (let blk = 0; blk < depths[stage]!; blk++) {
      const shift = blk % 2 === 1 && ws < padded ? 3 : 0;
      const shortcut = x;
      let y = layerNorm(x, c);
      if (padded !== hw) y = op('Pad', [y, i64([0, 0, 0, 0, 0, padded - hw, padded - hw, 0]), f32([], [0])], { mode: attr.string('constant') });
      if (shift) y = roll(y, padded, -shift);
      y = op('Reshape', [y, i64([1, nwSide, ws, nwSide, ws, c])]);
      y = op('Transpose', [y], { perm: attr.ints([0, 1, 3, 2, 4, 5]) });
      y = op('Reshape', [y, i64([nW, ws * ws, c])]);
      const qkv = linear(y, c, 3 * c);
      const r = op('Reshape', [qkv, i64([nW, ws * ws, 3, nh, hd])]);
      const t = op('Transpose', [r], { perm: attr.ints([2, 0, 3, 1, 4]) });
      const pick = (i: number) => {
        const idx = name('idx');
        g.initializer(idx, tensor.int64([], [i]));
        return op('Gather', [t, idx], { axis: attr.int(0) });
      };
      const q = op('Mul', [pick(0), f32([], [hd ** -0.5])]);
      const k = pick(1);
      const v = pick(2);
      const kt = op('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) });
      let attn = op('MatMul', [q, kt]);
      attn = op('Add', [attn, f32([1, nh, 49, 49], seeded(nh * 49 * 49, seed++, 0.5))]);
      if (shift) {
        attn = op('Reshape', [attn, i64([1, nW, nh, 49, 49])]);
        attn = op('Add', [attn, f32([1, nW, 1, 49, 49], shiftMask(padded, ws, shift))]);
        attn = op('Reshape', [attn, i64([-1, nh, 49, 49])]);
      }
      attn = op('Softmax', [attn], { axis: attr.int(-1) });
      let o = op('MatMul', [attn, v]);
      o = op('Transpose', [o], { perm: attr.ints([0, 2, 1, 3]) });
      o = op('Reshape', [o, i64([nW, ws * ws, c])]);
      o = linear(o, c, c);
      o = op('Reshape', [o, i64([1, nwSide, nwSide, ws, ws, c])]);
      o = op('Transpose', [o], { perm: attr.ints([0, 1, 3, 2, 4, 5]) });
      o = op('Reshape', [o, i64([1, padded, padded, c])]);
      if (shift) o = roll(o, padded, shift);
      if (padded !== hw) o = slice(o, [0, 0], [hw, hw], [1, 2]);
      x = op('Add', [shortcut, o]);
      // MLP
      let m = layerNorm(x, c);
      m = linear(m, c, 4 * c);
      const d = op('Div', [m, f32([], [Math.SQRT2])]);
      const e = op('Erf', [d]);
      const a1 = op('Add', [e, f32([], [1])]);
      const mm = op('Mul', [m, a1]);
      m = op('Mul', [mm, f32([], [0.5])]);
      m = linear(m, 4 * c, c);
      x = op('Add', [x, m]);
    }
  }
  x = layerNorm(x, 768);
  x = op('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) });
  x = op('GlobalAveragePool', [x]);
  x = op('Flatten', [x], { axis: attr.int(1) });
  x = linear(x, 768, classes);
  g.node('Identity', [x], ['logits'], { name: '/out' });
  g.output('logits', 'float32', [1, classes]);
  return g.encode({ opset: 17 });
}

/** torchvision's attention mask of a shifted block: windows' tokens from different regions get -100. */
function shiftMask(padded: number, ws: number, shift: number): Float32Array {
  const region = new Int32Array(padded * padded);
  const bounds = [0, padded - ws, padded - shift, padded];
  let cnt = 0;
  for (let hi = 0; hi < 3; hi++) {
    for (let wi = 0; wi < 3; wi++) {
      for (let h = bounds[hi]!; h < bounds[hi + 1]!; h++) for (let w = bounds[wi]!; w < bounds[wi + 1]!; w++) region[h * padded + w] = cnt;
      cnt++;
    }
  }
  const side = padded / ws;
  const n = ws * ws;
  const mask = new Float32Array(side * side * n * n);
  for (let wy = 0; wy < side; wy++) {
    for (let wx = 0; wx < side; wx++) {
      const win = wy * side + wx;
      const ids = Array.from({ length: n }, (_, i) => region[(wy * ws + Math.floor(i / ws)) * padded + wx * ws + (i % ws)]!);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mask[(win * n + i) * n + j] = ids[i] === ids[j] ? 0 : -100;
    }
  }
  return mask;
}
