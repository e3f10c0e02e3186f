/**
 * Where generated model.c names the weight arrays of model_weights.h. With weights the cores cannot
 * read (a target memory with coreAccess false), an array may only be the source view of a DMA: any
 * other use (a kernel argument, a view a kernel reads) is listed in kernelReads.
 */
export interface WeightArrayUses {
  /** Arrays used as the source of an mpg_dma_start (one entry per DMA statement). */
  readonly dmaSources: readonly string[];
  /** Lines of model.c that name a weight array for anything else. */
  readonly kernelReads: readonly string[];
}

export function weightArrayUses(modelC: string, weightsH: string): WeightArrayUses {
  const arrays = [...weightsH.matchAll(/^extern const \w+ (mpw_\w+)\[/gm)].map((m) => m[1]!);
  if (arrays.length === 0) throw new Error('model_weights.h declares no weight array');
  const named = new RegExp(`\\b(${arrays.join('|')})\\b`);
  const lines = modelC.split('\n');
  const dmaSources: string[] = [];
  const kernelReads: string[] = [];
  lines.forEach((line, i) => {
    const m = named.exec(line);
    if (!m) return;
    const view = /^\s*mpg_view_in(?:_b)?\(&(v\d+), \((?:float|void) \*\)(mpw_\w+),/.exec(line);
    if (view && view[2] === m[1]) {
      // The next DMA start (in the same statement scope) must take this view as its source.
      for (let j = i + 1; j < lines.length && j < i + 40; j++) {
        const start = /mpg_dma_start\(&[^,]+, \d+, &(v\d+), &(v\d+)\)/.exec(lines[j]!);
        if (!start) continue;
        if (start[2] === view[1]) {
          dmaSources.push(m[1]!);
          return;
        }
        break;
      }
    }
    kernelReads.push(line.trim());
  });
  return { dmaSources, kernelReads };
}
