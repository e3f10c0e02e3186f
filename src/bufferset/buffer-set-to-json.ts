/**
 * Writes a buffer set as DESIGN.md buffer-set JSON (what `--report` saves and `memplan plan` reads):
 * the inverse of parseBufferSetJson. Keys in a fixed order, 2-space indent, trailing newline.
 */
import type { BufferInfo, Pool } from '../../planner/types.js';

/** Serialises buffers and pools; parseBufferSetJson(bufferSetToJson(b, p)) gives back b and p. */
export function bufferSetToJson(buffers: readonly BufferInfo[], pools: readonly Pool[]): string {
  const document = {
    pools: pools.map((pool) => ({
      name: pool.name,
      sizeBytes: pool.sizeBytes,
      ...(pool.alignmentBytes !== undefined ? { alignment: pool.alignmentBytes } : {}),
    })),
    buffers: buffers.map((buffer) => ({
      name: buffer.name,
      sizeBytes: buffer.sizeBytes,
      ...(buffer.start !== undefined ? { start: buffer.start } : {}),
      ...(buffer.end !== undefined ? { end: buffer.end } : {}),
      ...(buffer.alignmentBytes !== undefined ? { alignment: buffer.alignmentBytes } : {}),
      ...(buffer.conflicts !== undefined ? { conflicts: [...buffer.conflicts] } : {}),
      ...(buffer.poolCandidates !== undefined ? { pools: [...buffer.poolCandidates] } : {}),
      ...(buffer.kind !== undefined ? { kind: buffer.kind } : {}),
      ...(buffer.spillCostByPool !== undefined ? { spillCostByPool: sortedRecord(buffer.spillCostByPool) } : {}),
      ...(buffer.overlay !== undefined ? { overlay: { buffer: buffer.overlay.buffer, offsetBytes: buffer.overlay.offsetBytes } } : {}),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function sortedRecord(record: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as number;
  return out;
}
