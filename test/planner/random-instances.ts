/** Seeded random buffer sets for the planner's property tests. */
import { createPrng, type Prng } from '../../planner/prng.js';
import type { BufferInfo } from '../../planner/types.js';

export type InstanceKind = 'intervals' | 'conflicts' | 'mixed';

export interface InstanceOptions {
  readonly kind: InstanceKind;
  readonly count: number;
  readonly steps?: number;
  readonly maxSize?: number;
  /** Give some buffers an alignment (1..64). */
  readonly alignments?: boolean;
}

function pick<T>(rng: Prng, values: readonly T[]): T {
  return values[rng.nextInt(values.length)]!;
}

export function randomBuffers(seed: number, o: InstanceOptions): BufferInfo[] {
  const rng = createPrng(seed);
  const steps = o.steps ?? Math.max(2, Math.ceil(o.count * 0.8));
  const maxSize = o.maxSize ?? 100;
  const out: {
    name: string;
    sizeBytes: number;
    alignmentBytes?: number;
    start?: number;
    end?: number;
    conflicts?: string[];
  }[] = [];
  for (let i = 0; i < o.count; i++) {
    const sizeBytes = rng.next() < 0.05 ? 0 : 1 + rng.nextInt(maxSize);
    const b: (typeof out)[number] = { name: `b${i}`, sizeBytes };
    if (o.alignments === true && rng.next() < 0.4) b.alignmentBytes = pick(rng, [1, 2, 4, 8, 16, 32, 64]);
    const timed = o.kind === 'intervals' || (o.kind === 'mixed' && rng.next() < 0.6);
    if (timed) {
      const s = rng.nextInt(steps);
      const len = rng.nextInt(Math.max(1, Math.ceil(steps / 3)));
      b.start = s;
      b.end = Math.min(steps - 1, s + len);
    }
    if (o.kind !== 'intervals') {
      b.conflicts = [];
      for (let j = 0; j < i; j++) if (rng.next() < 0.35) b.conflicts.push(`b${j}`);
    }
    out.push(b);
  }
  return out;
}

/** True when the two buffers conflict by interval overlap or an explicit conflict. */
function conflictOf(a: BufferInfo, b: BufferInfo): boolean {
  if (a.start !== undefined && b.start !== undefined && a.start <= b.end! && b.start <= a.end!) return true;
  return (a.conflicts ?? []).includes(b.name) || (b.conflicts ?? []).includes(a.name);
}

/**
 * Seeded random buffer sets with overlays: randomBuffers, then some buffers overlay an earlier one
 * (never an overlay itself) at a distance that is a multiple of both alignments (in `poolAlignment`
 * where a buffer has none), from below the target's start to its top. A new overlay that would
 * overlap a conflicting overlay of the same target is left out (such input is invalid).
 */
export function randomOverlayBuffers(seed: number, o: InstanceOptions & { readonly poolAlignment?: number; readonly overlayShare?: number }): BufferInfo[] {
  const base = randomBuffers(seed, o);
  const rng = createPrng(seed * 31 + 7);
  const poolAlignment = o.poolAlignment ?? 1;
  const out: BufferInfo[] = base.map((b) => ({ ...b }));
  const targetOf: (number | undefined)[] = out.map(() => undefined);
  for (let i = 1; i < out.length; i++) {
    if (rng.next() >= (o.overlayShare ?? 0.4)) continue;
    const t = rng.nextInt(i);
    if (targetOf[t] !== undefined) continue;
    const y = out[i]!;
    const x = out[t]!;
    const step = Math.max(y.alignmentBytes ?? poolAlignment, x.alignmentBytes ?? poolAlignment);
    const lo = -Math.ceil(y.sizeBytes / step) - 1;
    const hi = Math.floor(x.sizeBytes / step) + 1;
    const r = (lo + rng.nextInt(hi - lo + 1)) * step;
    const clash = out.some((z, k) => {
      if (targetOf[k] !== t || !conflictOf(y, z)) return false;
      const zr = z.overlay!.offsetBytes;
      return y.sizeBytes > 0 && z.sizeBytes > 0 && r < zr + z.sizeBytes && zr < r + y.sizeBytes;
    });
    if (clash) continue;
    out[i] = { ...y, overlay: { buffer: x.name, offsetBytes: r } };
    targetOf[i] = t;
  }
  return out;
}
