/**
 * Scheduled (loop) IR: per layer, a loop nest of typed statements over buffers that carry a storage
 * scope. Plain immutable data: printed by src/ir/print.ts, walked by src/liveness/extract.ts, emitted
 * as C by src/codegen. Every size is in bytes unless the name says elements, rows or cycles.
 */
import type { DType } from './graph.js';

/** Where a buffer lives (DESIGN.md "Storage scopes"). */
export type Scope = 'global' | 'sram' | 'local';

/** What a buffer is for; reports colour by it. */
export type BufferKind = 'activation' | 'input' | 'output' | 'tile' | 'scratch' | 'accumulator';

/** A buffer declared by a layer (tiles, scratch) or by the model (activations). */
export interface LoopBuffer {
  /** Unique in the model: activations keep the tensor name; tiles are `<layer>.<role>`. */
  readonly name: string;
  readonly kind: BufferKind;
  readonly scope: Scope;
  readonly dtype: DType;
  /** Shape of one copy (a tile shape for tiles). */
  readonly shape: readonly number[];
  /** Bytes of one copy. */
  readonly sizeBytes: number;
  /** Copies that exist together: 2 for a double-buffered tile. */
  readonly copies: number;
  /** True when allocated inside a loop that runs in parallel on the cores: one set of copies per core. */
  readonly perCore: boolean;
  /** For tiles: the tensor whose window the tile holds. */
  readonly tensor?: string;
  /**
   * A tile of a weight (`tensor` names the weight) that the cores cannot read where it is stored
   * (target memory with coreAccess false): DMA'd into SRAM before the kernel reads it.
   */
  readonly weight?: true;
  /**
   * A line buffer (depth-first segments): `rows` rows of dimension `dim` of `tensor` (every other
   * dimension whole), holding rows [loopVar * stride + offset, + rows) in the iteration of loopVar
   * (rows outside the tensor are unused slots). Row r sits at slot r - start; a `shift` statement
   * moves the kept rows down when the window advances.
   */
  readonly lines?: LineWindow;
  /**
   * A staging buffer (depth-first segments, schedule/depth-first/overlay.ts Staging): it holds the
   * whole rank-4 NCHW tensor `tensor` in channels-last order (element (n, c, h, w) at
   * ((n * H + h) * W + w) * C + c); a `copy` statement moves it into the tensor's home buffer.
   */
  readonly channelsLast?: true;
}

export interface LineWindow {
  readonly dim: number;
  readonly loopVar: string;
  readonly stride: number;
  readonly offset: number;
  readonly rows: number;
  /**
   * Patch segments: the buffer holds only the columns (dimension `cols.dim`) of the current patch,
   * [loopVar * stride + offset, + extent) clamped to [0, limit), stored compactly (its row length is
   * the clamped width of the patch).
   */
  readonly cols?: TileRange;
  /**
   * Tiles segments: a region buffer. It holds only the current tile's window, rows
   * [loopVar * stride + offset, + rows) clamped to [0, limit) (the tensor's size along `dim`) and the
   * columns of `cols`, stored compactly in both (rows of the clamped width, as many as the clamped
   * height). Its values do not outlive the tile: it is live only from the statement that writes it
   * to the last that reads it (buffers of members that do not overlap may share memory), and it is
   * never shifted.
   */
  readonly region?: boolean;
}

/** One split dimension of a tile region: start = iterVar * stride + offset, clamped to [0, limit). */
export interface TileRange {
  readonly dim: number;
  /** Loop variable the window moves with; '' for a fixed range (stride 0). */
  readonly loopVar: string;
  /** Elements the start advances per iteration of loopVar (in this dimension of this tensor). */
  readonly stride: number;
  /** Start for iteration 0 (negative for a top halo that falls in the padding). */
  readonly offset: number;
  /** Extent of the window before clamping. */
  readonly extent: number;
  /** Size of the dimension: the window is clamped to [0, limit). */
  readonly limit: number;
}

/** A window of a tensor: the listed dimensions are split, the others are whole. */
export interface Region {
  readonly tensor: string;
  readonly ranges: readonly TileRange[];
}

export interface LoopStmt {
  readonly kind: 'loop';
  readonly loopVar: string;
  readonly extent: number;
  /** `cores`: iterations are distributed over the cores (each core runs extent / cores of them). */
  readonly parallel: 'serial' | 'cores';
  /** True when DMA of iteration i+1 overlaps compute of iteration i (double buffering). */
  readonly pipelined: boolean;
  readonly body: readonly Stmt[];
}

export interface DmaStartStmt {
  readonly kind: 'dma-start';
  readonly token: string;
  readonly channel: number;
  /** 'in': home -> tile; 'out': tile -> home; 'copy': home -> home (e.g. Concat). */
  readonly direction: 'in' | 'out' | 'copy';
  readonly src: Operand;
  readonly dst: Operand;
  /** Bytes moved by the largest (unclamped) execution. */
  readonly bytes: number;
}

export interface DmaWaitStmt {
  readonly kind: 'dma-wait';
  readonly token: string;
}

/** An operand of a compute statement: a buffer, and the tensor window it holds. */
export interface Operand {
  readonly buffer: string;
  readonly region: Region;
}

export interface ComputeStmt {
  readonly kind: 'compute';
  /** The node's op type. */
  readonly op: string;
  readonly inputs: readonly Operand[];
  readonly outputs: readonly Operand[];
  /** Multiply-accumulates (or element operations) of one execution. */
  readonly macs: number;
  /** The graph node computed, when the layer computes several (a segment's member); else the layer's node. */
  readonly node?: string;
  /**
   * A reduction split: each execution adds one slice (along `dim` of the first input, the window of
   * loop `loopVar`) into the output operand, an accumulator tile. Iteration 0 starts from zero (or
   * the bias); iteration `iterations - 1` also applies the bias / activation / fused steps, once.
   */
  readonly accumulate?: { readonly loopVar: string; readonly iterations: number; readonly dim: number };
}

/**
 * Line buffer advance (depth-first segments): the window of `buffer` (a LoopBuffer with `lines`)
 * moves `rows` rows on; the rows still in the window move down to slot 0. Skipped in iteration 0.
 */
export interface ShiftStmt {
  readonly kind: 'shift';
  readonly buffer: string;
  readonly rows: number;
}

/**
 * A copy of one window into another of the same tensor (both whole here: a segment's staging buffer
 * into its output's home buffer, transposing channels-last to NCHW). Not a MAC; `bytes` moved.
 */
export interface CopyStmt {
  readonly kind: 'copy';
  readonly src: Operand;
  readonly dst: Operand;
  readonly bytes: number;
}

export interface BarrierStmt {
  readonly kind: 'barrier';
}

export type Stmt = LoopStmt | DmaStartStmt | DmaWaitStmt | ComputeStmt | BarrierStmt | ShiftStmt | CopyStmt;

/** Tile choice of a layer (for reports and codegen). */
export interface TileChoice {
  /** Output elements per tile along each split dimension (dimension index -> extent). */
  readonly splits: readonly { readonly dim: number; readonly extent: number; readonly size: number; readonly reduction?: boolean }[];
  /** Number of tiles. */
  readonly tileCount: number;
  readonly doubleBuffered: boolean;
  readonly cores: number;
}

export interface LayerStats {
  /** Activation bytes resident in SRAM while the layer runs (live at its step). */
  readonly residentBytes: number;
  /** Tile, double-buffer and per-core scratch bytes in SRAM (all copies). */
  readonly scratchBytes: number;
  /** Scratch bytes in per-core local memory (per core). */
  readonly localBytes: number;
  /** residentBytes + scratchBytes. */
  readonly sramBytes: number;
  readonly dmaInBytes: number;
  readonly dmaOutBytes: number;
  /** Estimated cycles with the chosen schedule. */
  readonly cycles: number;
  /** Estimated cycles of the same tiles without double buffering (cycles saved = this - cycles). */
  readonly cyclesSingleBuffered: number;
  /** SRAM bytes the double buffers add over single buffering. */
  readonly doubleBufferBytes: number;
  /** SRAM bytes of accumulator tiles (reduction splits; part of scratchBytes). Absent = 0. */
  readonly accumulatorBytes?: number;
  /**
   * Bytes of the layer's weight tiles (included in scratchBytes / localBytes), all copies: set only
   * when the target's weights need DMA into SRAM (weightsViaDma).
   */
  readonly weightTileBytes?: number;
  readonly fits: boolean;
}

/** One layer: a node lowered to a loop nest. */
export interface LayerSchedule {
  readonly step: number;
  readonly name: string;
  readonly op: string;
  /** The template that lowered it (conv, pool, gemm, elementwise, concat, softmax, view, copy, whole). */
  readonly template: string;
  /** Tensors the layer reads and writes (activations only; weights stay in their memory, weight tiles are in `buffers`). */
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  /** Buffers this layer declares (tiles and scratch); activations are declared by the model. */
  readonly buffers: readonly LoopBuffer[];
  readonly body: readonly Stmt[];
  readonly tile: TileChoice;
  readonly stats: LayerStats;
  /** For view layers: the output is the input's memory (no code, no buffer). */
  readonly aliasOf?: string;
  /** For depth-first segments: members, band rows, extra compute. */
  readonly segment?: SegmentStats;
}

export interface SegmentStats {
  /** Model node names of the members, in order (with their fused nodes). */
  readonly members: readonly string[];
  /** Rows of the segment's output per band. */
  readonly bandRows: number;
  /** Band loop iterations (the first ones may only fill the line buffers). */
  readonly bands: number;
  /** MACs computed beyond the members' own (0 in line-buffer mode). */
  readonly extraMacs: number;
  /**
   * MACs of members that recompute another layer's output (the second pass over a squeeze-excitation
   * block, schedule/depth-first/recompute.ts): part of the members' own MACs, work done twice. Absent: none.
   */
  readonly recomputeMacs?: number;
  /**
   * 'line-buffer': overlapping rows are kept, nothing is recomputed. 'patches': the output's columns
   * are split into `patches` patches of `patchCols` columns; rows still go through line buffers
   * (patch-wide), halo columns are recomputed by neighbouring patches (`extraMacs`).
   */
  readonly mode: 'line-buffer' | 'patches' | 'tiles';
  /** Patch mode: column patches and output columns per patch (tiles mode: column tiles, output columns per tile). */
  readonly patches?: number;
  readonly patchCols?: number;
  /**
   * Tiles mode ('tiles': 2-D patches, no line buffers): the output is split into `rowTiles` x
   * `patches` tiles of `tileRows` x `patchCols` elements; each member computes the window the tile
   * needs into a region buffer (halo rows and columns recomputed: `extraMacs`). `bandRows` = tileRows,
   * `bands` = rowTiles; `lineBufferBytes` are the region buffers' bytes at the busiest member.
   */
  readonly tileRows?: number;
  readonly rowTiles?: number;
  /** Bytes of the line buffers (all in SRAM). */
  readonly lineBufferBytes: number;
  /**
   * The output written over the dead part of the input (schedule/depth-first/overlay.ts): buffer
   * `output` sits `lagBytes` before buffer `input` in the same pool, overlapping it; the pair takes
   * max(lagBytes + |input|, |output|) bytes (`residentBytes` counts that).
   */
  readonly overlay?: { readonly input: string; readonly output: string; readonly lagBytes: number; readonly staging?: StagingStats };
}

/**
 * Channels-last staging of the segment's output (schedule/depth-first/overlay.ts Staging): buffer
 * `buffer` (`lagBytes` = the overlay's, before the input) receives the last member's windows; after
 * the loop a copy of `copyBytes` (`copyCycles`, part of the layer's cycles) moves it into the output,
 * which sits `outputOffsetBytes` after the input's start. The pair takes lagBytes + |input| bytes.
 */
export interface StagingStats {
  readonly buffer: string;
  readonly outputOffsetBytes: number;
  readonly copyBytes: number;
  readonly copyCycles: number;
}

/** The whole scheduled model. */
export interface ScheduledModel {
  readonly targetName: string;
  /**
   * The memory holding the weights when the cores cannot read it: kernels then read every weight from
   * its SRAM tile, DMA'd from there (LoopBuffer.weight). Absent: weights are read in place.
   */
  readonly weightsDmaFrom?: string;
  readonly cores: number;
  /** Activation buffers (one per tensor or view group), with the scope chosen for each. */
  readonly activations: readonly LoopBuffer[];
  /** Tensor name -> name of the activation buffer holding it (views share their input's). */
  readonly bufferOfTensor: ReadonlyMap<string, string>;
  /**
   * Byte offset of a tensor inside its activation buffer, when not 0 (copy-free Concat operands,
   * Split/Slice pieces): the tensor's elements are contiguous from there.
   */
  readonly offsetOfTensor?: ReadonlyMap<string, number>;
  readonly layers: readonly LayerSchedule[];
}
