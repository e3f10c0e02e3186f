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
