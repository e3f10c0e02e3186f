/**
 * Target files: what a chip offers. See DESIGN.md "Target file".
 * A target is validated once, here; everything downstream trusts it.
 */
import { ConfigError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';
import { sizeBytesOf } from '../sizes.js';

export type MemoryKind = 'sram' | 'local' | 'global';

export interface MemorySpec {
  readonly name: string;
  readonly kind: MemoryKind;
  /** Capacity in bytes (per core when perCore); null = unbounded. */
  readonly sizeBytes: number | null;
  /** One instance per core (true for `local`). */
  readonly perCore: boolean;
  readonly bandwidthBytesPerCycle: number;
  readonly latencyCycles: number;
  /**
   * Whether the cores can load from this memory directly (default true). False: only a DMA reaches
   * it (e.g. a DSP's DRAM): weights kept there are DMA'd into SRAM tiles before a kernel reads them.
   * Absent = true.
   */
  readonly coreAccess?: boolean;
}

export interface DmaSpec {
  readonly channels: number;
  readonly bytesPerCycle: number;
  readonly setupCycles: number;
}

export interface TargetSpec {
  readonly name: string;
  readonly cores: number;
  readonly memories: readonly MemorySpec[];
  readonly dma: DmaSpec;
  readonly macsPerCycle: number;
  /** Default alignment of buffers in bytes (power of two). */
  readonly alignmentBytes: number;
  /**
   * The memory that holds the weights (a memory of this target, by name). Absent: a read-only memory
   * the cores read directly (flash), not modelled. See weightsViaDma().
   */
  readonly weightsMemory?: string;
  /**
   * Set by withResidentWeights (never by a target file): `bytes` of weights sit in memory `memory` for
   * the whole run, already taken from its `sizeBytes` (clamped at 0); `sizeBytes` is its size before.
   */
  readonly residentWeights?: ResidentWeights;
}

/** Weights resident in the shared SRAM or the DRAM (the target's `weightsMemory`). */
export interface ResidentWeights {
  readonly memory: string;
  readonly bytes: number;
  /** The memory's size before the weights were taken from it (null: unbounded). */
  readonly sizeBytes: number | null;
}

/** The built-in target: a generic single-core DSP with 256 KiB SRAM and unbounded DRAM. */
export const DEFAULT_TARGET: TargetSpec = {
  name: 'generic-dsp',
  cores: 1,
  memories: [
    { name: 'sram', kind: 'sram', sizeBytes: 256 * 1024, perCore: false, bandwidthBytesPerCycle: 16, latencyCycles: 1 },
    { name: 'dram', kind: 'global', sizeBytes: null, perCore: false, bandwidthBytesPerCycle: 4, latencyCycles: 100 },
  ],
  dma: { channels: 2, bytesPerCycle: 8, setupCycles: 32 },
  macsPerCycle: 8,
  alignmentBytes: 16,
};

export interface TargetOverrides {
  readonly sramBytes?: number;
  /** 0 removes the DRAM: every activation lives on chip. */
  readonly dramBytes?: number;
  readonly cores?: number;
}

/** The shared SRAM memory of a target (the first memory of kind 'sram'). */
export function sramOf(target: TargetSpec): MemorySpec | undefined {
  return target.memories.find((m) => m.kind === 'sram');
}

/** The global memory of a target (the first memory of kind 'global'). */
export function globalOf(target: TargetSpec): MemorySpec | undefined {
  return target.memories.find((m) => m.kind === 'global');
}

/**
 * The memory holding the weights when the cores cannot read it (coreAccess false): every weight a
 * kernel reads is then DMA'd into an SRAM tile first. Undefined when the cores read weights in place.
 */
export function weightsViaDma(target: TargetSpec): MemorySpec | undefined {
  if (target.weightsMemory === undefined) return undefined;
  const m = target.memories.find((x) => x.name === target.weightsMemory);
  return m && m.coreAccess === false ? m : undefined;
}

/**
 * The memory that holds the weights when it is one the activations are planned into: the shared SRAM
 * or the DRAM (`weightsMemory`). Undefined without `weightsMemory` (the weights are in flash, not
 * modelled) or when it names another memory.
 */
export function weightsPoolMemory(target: TargetSpec): MemorySpec | undefined {
  if (target.weightsMemory === undefined) return undefined;
  return [sramOf(target), globalOf(target)].find((m) => m?.name === target.weightsMemory);
}

/**
 * The target the activations are planned into when `weightBytes` of weights sit in the shared SRAM or
 * the DRAM for the whole run: that memory's size less the weights (never below 0), the weights
 * recorded in `residentWeights`. The same target without `weightsMemory` (weights in flash).
 */
export function withResidentWeights(target: TargetSpec, weightBytes: number): TargetSpec {
  const m = weightsPoolMemory(target);
  if (!m || target.residentWeights) return target;
  const residentWeights: ResidentWeights = { memory: m.name, bytes: weightBytes, sizeBytes: m.sizeBytes };
  return {
    ...target,
    memories: target.memories.map((x) => (x !== m || x.sizeBytes === null ? x : { ...x, sizeBytes: Math.max(0, x.sizeBytes - weightBytes) })),
    residentWeights,
  };
}

/** Applies `--sram`, `--dram` and `--cores`; adds an SRAM or DRAM memory when the target has none. */
export function applyOverrides(target: TargetSpec, o: TargetOverrides): TargetSpec {
  let memories = [...target.memories];
  if (o.sramBytes !== undefined) {
    const i = memories.findIndex((m) => m.kind === 'sram');
    const base = i >= 0 ? memories[i]! : DEFAULT_TARGET.memories[0]!;
    const m = { ...base, sizeBytes: o.sramBytes };
    if (i >= 0) memories[i] = m;
    else memories = [m, ...memories];
  }
  if (o.dramBytes === 0) {
    // --dram 0: no DRAM at all (the microcontroller case); weights stay in read-only memory.
    const w = memories.find((m) => m.name === target.weightsMemory);
    if (w && w.kind === 'global') {
      throw ConfigError.of(Codes.BadTarget, { problem: `holds its weights in memory '${w.name}', which --dram 0 would remove` }, { file: `target '${target.name}'` });
    }
    memories = memories.filter((m) => m.kind !== 'global');
  } else if (o.dramBytes !== undefined) {
    const i = memories.findIndex((m) => m.kind === 'global');
    const base = i >= 0 ? memories[i]! : DEFAULT_TARGET.memories[1]!;
    const m = { ...base, sizeBytes: o.dramBytes };
    if (i >= 0) memories[i] = m;
    else memories = [...memories, m];
  }
  return { ...target, memories, cores: o.cores ?? target.cores };
}

/** Parses and validates a target file. Every problem is a one-line ConfigError (MP501) naming the field. */
export function parseTarget(text: string, fileName: string): TargetSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(fileName, `is not valid JSON (${(e as Error).message})`);
  }
  const root = obj(raw, fileName, 'the file');
  const name = str(root['name'], fileName, 'name', 'custom');
  const cores = int(root['cores'], fileName, 'cores', 1, 1, 1024);
  const memsRaw = root['memories'];
  if (!Array.isArray(memsRaw) || memsRaw.length === 0) throw bad(fileName, `'memories' must be a non-empty array`);
  const seen = new Set<string>();
  const memories: MemorySpec[] = memsRaw.map((m, i) => {
    const where = `memories[${i}]`;
    const o = obj(m, fileName, where);
    const mname = str(o['name'], fileName, `${where}.name`);
    if (seen.has(mname)) throw bad(fileName, `duplicate memory name '${mname}'`);
    seen.add(mname);
    const kind = o['kind'];
    if (kind !== 'sram' && kind !== 'local' && kind !== 'global') {
      throw bad(fileName, `${where}.kind must be "sram", "local" or "global"`);
    }
    const size = o['sizeBytes'];
    let sizeBytes: number | null;
    if (size === null || (size === undefined && kind === 'global')) sizeBytes = null;
    else if (typeof size === 'string') {
      // The same size strings as the command line: "256K", "2MiB", "65536".
      const bytes = sizeBytesOf(size);
      if (typeof bytes !== 'number') throw bad(fileName, `'${where}.sizeBytes' must be a size such as 262144, "256K" or "2MiB", got "${size}"`);
      sizeBytes = bytes;
    } else sizeBytes = int(size, fileName, `${where}.sizeBytes`, undefined, 1, Number.MAX_SAFE_INTEGER);
    const perCore = o['perCore'] === undefined ? kind === 'local' : o['perCore'];
    if (typeof perCore !== 'boolean') throw bad(fileName, `${where}.perCore must be true or false`);
    const coreAccess = o['coreAccess'] === undefined ? true : o['coreAccess'];
    if (typeof coreAccess !== 'boolean') throw bad(fileName, `${where}.coreAccess must be true or false`);
    if (!coreAccess && kind !== 'global') throw bad(fileName, `${where}.coreAccess false is for a global memory (the cores compute from "${kind}" memory)`);
    return {
      name: mname,
      kind,
      sizeBytes,
      perCore,
      bandwidthBytesPerCycle: num(o['bandwidthBytesPerCycle'], fileName, `${where}.bandwidthBytesPerCycle`, kind === 'global' ? 4 : 16),
      latencyCycles: num(o['latencyCycles'], fileName, `${where}.latencyCycles`, kind === 'global' ? 100 : 1, 0),
      ...(coreAccess ? {} : { coreAccess: false }),
    };
  });
  if (!memories.some((m) => m.kind === 'sram' || m.kind === 'local')) {
    throw bad(fileName, `needs at least one on-chip memory (kind "sram" or "local")`);
  }
  const dmaRaw = root['dma'] === undefined ? {} : obj(root['dma'], fileName, 'dma');
  const dma: DmaSpec = {
    channels: int(dmaRaw['channels'], fileName, 'dma.channels', DEFAULT_TARGET.dma.channels, 1, 64),
    bytesPerCycle: num(dmaRaw['bytesPerCycle'], fileName, 'dma.bytesPerCycle', DEFAULT_TARGET.dma.bytesPerCycle),
    setupCycles: num(dmaRaw['setupCycles'], fileName, 'dma.setupCycles', DEFAULT_TARGET.dma.setupCycles, 0),
  };
  const macsPerCycle = num(root['macsPerCycle'], fileName, 'macsPerCycle', DEFAULT_TARGET.macsPerCycle);
  const alignmentBytes = int(root['alignmentBytes'], fileName, 'alignmentBytes', DEFAULT_TARGET.alignmentBytes, 1, 1 << 20);
  if ((alignmentBytes & (alignmentBytes - 1)) !== 0) throw bad(fileName, `alignmentBytes must be a power of two, got ${alignmentBytes}`);
  const weightsRaw = root['weightsMemory'];
  if (weightsRaw !== undefined && (typeof weightsRaw !== 'string' || !memories.some((m) => m.name === weightsRaw))) {
    throw bad(fileName, `'weightsMemory' must name one of the memories (${memories.map((m) => `"${m.name}"`).join(', ')})`);
  }
  const known = new Set(['name', 'cores', 'memories', 'dma', 'macsPerCycle', 'alignmentBytes', 'description', 'weightsMemory']);
  for (const k of Object.keys(root)) if (!known.has(k)) throw bad(fileName, `unknown field '${k}'`);
  return { name, cores, memories, dma, macsPerCycle, alignmentBytes, ...(weightsRaw !== undefined ? { weightsMemory: weightsRaw as string } : {}) };
}

function bad(file: string, what: string): ConfigError {
  return ConfigError.of(Codes.BadTarget, { problem: what }, { file });
}

function obj(v: unknown, file: string, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(file, `${where} must be an object`);
  return v as Record<string, unknown>;
}

function str(v: unknown, file: string, where: string, dflt?: string): string {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || v.length === 0) throw bad(file, `'${where}' must be a non-empty string`);
  return v;
}

function int(v: unknown, file: string, where: string, dflt: number | undefined, min: number, max: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(file, `'${where}' must be an integer from ${min} to ${max}`);
  }
  return v;
}

function num(v: unknown, file: string, where: string, dflt: number, min = Number.MIN_VALUE): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw bad(file, `'${where}' must be a number >= ${min === Number.MIN_VALUE ? '0 (exclusive)' : min}`);
  return v;
}
