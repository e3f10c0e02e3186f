/**
 * The data every analysis renderer reads. Plain data with exact integer bytes; built by
 * reports/build-analysis.ts from the stages src/pipeline.ts runs.
 * This is also the shape of `memplan MODEL --format json` (see DESIGN.md "Analysis JSON").
 */

export interface ReportTarget {
  readonly name: string;
  readonly cores: number;
  /** Shared SRAM capacity in bytes (null = unbounded). */
  readonly sramBytes: number | null;
  /** DRAM capacity in bytes (null = unbounded, 0 = no DRAM: --dram 0). */
  readonly dramBytes: number | null;
  /** The target's name for its shared SRAM (e.g. `sram`, `l2`): the pool name reports use. */
  readonly sramName: string;
  /** The target's name for its global memory (e.g. `dram`, `psram`, `ddr`); null when it has none. */
  readonly dramName: string | null;
  /**
   * The memory holding the weights when the cores cannot read it (target memory with coreAccess
   * false): every weight a kernel reads is DMA'd into an SRAM tile (layers' weightTileBytes). Absent
   * when the cores read the weights in place.
   */
  readonly weightsDmaFrom?: string;
}

/** Which memplan produced a report, how it was run, and on which files (recorded by the CLI). */
export interface ReportProvenance {
  /** memplan's version (package.json); golden tests pass a fixed string. */
  readonly memplanVersion: string;
  /** The command line as given (`memplan` followed by the arguments, shell-quoted where needed). */
  readonly commandLine: string;
  /** First 16 hex digits of the SHA-256 of the model file's bytes. */
  readonly modelSha256: string;
  /** The `--target` file, when one was given: base name and the first 16 hex digits of its SHA-256. */
  readonly targetFile?: { readonly name: string; readonly sha256: string };
}

export interface ReportPool {
  readonly name: string;
  /** Capacity in bytes (per core for local pools); null = unbounded. */
  readonly sizeBytes: number | null;
  /** max(offset + size) of the plan. */
  readonly usedBytes: number;
  /** Largest live sum at one time: no plan can use less. */
  readonly lowerBoundBytes: number;
  /**
   * Weights resident in this memory for the whole run (the target's `weightsMemory` names it): the pool
   * fits when usedBytes + weightBytes <= sizeBytes. Absent when the weights are elsewhere (flash).
   */
  readonly weightBytes?: number;
  /** The step where the most bytes of this pool are live, and what is live there, largest first. */
  readonly worst: {
    readonly step: number;
    readonly layer: string;
    readonly liveBytes: number;
    readonly buffers: readonly { readonly name: string; readonly kind: string; readonly sizeBytes: number }[];
  };
}

export interface ReportSegment {
  readonly members: readonly string[];
  readonly bandRows: number;
  readonly bands: number;
  readonly extraMacs: number;
  /** MACs of members that recompute a layer run before (squeeze-excitation second pass); absent: none. */
  readonly recomputeMacs?: number;
  /**
   * 'line-buffer': overlapping rows kept, nothing recomputed. 'patches': the output's columns split into
   * `patches` patches of `patchCols` columns (halo columns recomputed). 'tiles': 2-D tiles of `tileRows` x
   * `patchCols` output elements (`rowTiles` x `patches`), halo rows and columns recomputed, region buffers
   * instead of line buffers. The report's copy of the IR's SegmentStats (src/ir/loop.ts): the JSON contract.
   */
  readonly mode: 'line-buffer' | 'patches' | 'tiles';
  readonly lineBufferBytes: number;
  readonly patches?: number;
  readonly patchCols?: number;
  readonly tileRows?: number;
  readonly rowTiles?: number;
  /** The output written over the dead part of the input: buffer `output` sits `lagBytes` before buffer `input`. */
  readonly overlay?: { readonly input: string; readonly output: string; readonly lagBytes: number; readonly staging?: { readonly buffer: string; readonly outputOffsetBytes: number; readonly copyBytes: number; readonly copyCycles: number } };
}

export interface ReportLayer {
  readonly step: number;
  /** First statement slot of the layer on the scheduled IR's timeline (buffers' startSlot/endSlot). */
  readonly startSlot: number;
  readonly name: string;
  readonly op: string;
  /** The model's node names this layer computes, in order. */
  readonly nodes: readonly string[];
  /** Output shapes, e.g. "1x16x48x48" (several outputs joined by ", "). */
  readonly outputShape: string;
  /** Bytes of the non-constant outputs of the layer. */
  readonly outputBytes: number;
  /** Live activation bytes at this step (the liveness convention). */
  readonly liveBytes: number;
  /** SRAM bytes this step needs (activations resident in SRAM plus scratch). */
  readonly sramBytes: number;
  /** Per-layer scratch (tiles, double buffers, per-core copies) in bytes. */
  readonly scratchBytes: number;
  /** Activation bytes resident in SRAM at this step. */
  readonly residentBytes: number;
  /** Scratch in each core's local memory (per core). */
  readonly localBytes: number;
  /** Bytes the double buffers add (included in scratchBytes). */
  readonly doubleBufferBytes: number;
  /**
   * Bytes of accumulator tiles (float32 partial sums of a reduction split, included in scratchBytes);
   * present only on layers that split a reduction.
   */
  readonly accumulatorBytes?: number;
  /**
   * Bytes of the layer's weight tiles in SRAM (included in scratchBytes; per core in localBytes when
   * they sit in local memory), all copies. Present on every layer when target.weightsDmaFrom is set.
   */
  readonly weightTileBytes?: number;
  readonly dmaInBytes: number;
  readonly dmaOutBytes: number;
  /** Estimated cycles of the chosen schedule, and without double buffering. */
  readonly cycles: number;
  readonly cyclesSingleBuffered: number;
  /** Template and tiles, e.g. "conv d2:8/48 d1:16/64 x18 db". */
  readonly schedule: string;
  readonly cores: number;
  readonly fits: boolean;
  /**
   * A depth-first segment: the layers it runs band by band (`nodes` lists their model nodes), the
   * output rows per band, the band loop's iterations, the line buffers' bytes (in scratchBytes) and
   * the MACs computed beyond the layers' own (0 in line-buffer mode, which recomputes nothing).
   */
  readonly segment?: ReportSegment;
}

export interface ReportBuffer {
  readonly name: string;
  /** activation | input | output | tile | double-buffer | scratch */
  readonly kind: string;
  readonly sizeBytes: number;
  /** Live layers (steps), inclusive. */
  readonly startStep: number;
  readonly endStep: number;
  /** Live statement slots on the scheduled IR's timeline, inclusive (finer than steps). */
  readonly startSlot: number;
  readonly endSlot: number;
  /** Pool and offset from the verified plan; undefined when unplaced. */
  readonly pool?: string;
  readonly offset?: number;
  /**
   * Placed at a fixed distance from another buffer (BufferInfo.overlay): offset = that buffer's
   * offset + offsetBytes, overlapping it (a depth-first segment's output over its dead input).
   */
  readonly overlay?: { readonly buffer: string; readonly offsetBytes: number };
}

/** --headroom: the share of every bounded memory kept free, and what keeping it free cost. */
export interface ReportHeadroom {
  /** Percent of each bounded memory kept free (0 = no headroom; the other fields are then absent). */
  readonly percent: number;
  /** Each bounded memory: its size and the bytes memplan planned into (size minus the headroom, rounded down). */
  readonly pools?: readonly { readonly name: string; readonly sizeBytes: number; readonly allowedBytes: number }[];
  /** Activation bytes that live in DRAM with the headroom but in SRAM without it. */
  readonly movedToDramBytes?: number;
  /** DMA bytes (in + out, all layers) with the headroom minus without it. */
  readonly extraDmaBytes?: number;
  /** Estimated cycles (all layers) with the headroom minus without it. */
  readonly extraCycles?: number;
}

/** What the graph optimizations did. */
export interface ReportGraphOptimizations {
  /** False with --no-graph-opt. */
  readonly enabled: boolean;
  /** How the layer order was chosen: file, exact (exhaustive search) or beam (bounded search). */
  readonly order: string;
  /** Layers after fusion (nodes when off). */
  readonly layerCount: number;
  /** Peak bytes saved by each kind (fusion, alias, concat, in-place, order), attributed in that order. */
  readonly savedBytes: readonly { readonly kind: string; readonly bytes: number }[];
}

/** Why the gate failed: the memory, the step or layer, needed and available bytes. */
export interface ReportFailure {
  readonly code: string;
  readonly memory: string;
  readonly step: number;
  readonly layer: string;
  readonly neededBytes: number;
  readonly availableBytes: number;
  readonly message: string;
}

export interface AnalysisReport {
  readonly schemaVersion: 1;
  /** Version, command line and file hashes; absent when the pipeline is called as a library. */
  readonly provenance?: ReportProvenance;
  /** Model file name (base name, no directories). */
  readonly model: string;
  readonly target: ReportTarget;
  /** as-is | int8 | float32 */
  readonly dtype: string;
  readonly strategy: string;
  readonly optimal: boolean;
  readonly fits: boolean;
  readonly peakLiveBytes: number;
  readonly peakStep: number;
  /** The model node at peakStep (steps of the baseline are the model's nodes, not the layers). */
  readonly peakNode?: string;
  /**
   * The same graph-level accounting after memplan's graph optimizations (fused layers, in-place and
   * aliased outputs, copy-free Concat, memory-aware order): what a whole-tensor, no-DRAM deployment
   * needs before tiling. Equals peakLiveBytes with --no-graph-opt.
   */
  readonly optimizedPeakBytes: number;
  readonly graphOptimizations: ReportGraphOptimizations;
  readonly weightBytes: number;
  /** Persistent state (TFLite variable tensors), planned for the whole run but not part of the peaks. */
  readonly stateBytes: number;
  /** Smallest SRAM size at which every layer fits, when asked for (--min-sram) or when it does not fit. */
  readonly minSramBytes?: number;
  /**
   * With minSramBytes: the estimated cycles of the whole model at that SRAM size (smaller tiles, more
   * DMA, depth-first segments), and with SRAM large enough for every activation (`roomySramCycles`).
   */
  readonly minSramCycles?: number;
  readonly roomySramCycles?: number;
  readonly doubleBuffer: boolean;
  /** --headroom and its cost (percent 0 when not given). */
  readonly headroom: ReportHeadroom;
  readonly pools: readonly ReportPool[];
  readonly layers: readonly ReportLayer[];
  /** Buffers live at the worst step, largest first: what to shrink to make it fit. */
  readonly liveAtPeak: readonly { readonly name: string; readonly sizeBytes: number; readonly startStep: number; readonly endStep: number }[];
  readonly buffers: readonly ReportBuffer[];
  readonly failures: readonly ReportFailure[];
}
