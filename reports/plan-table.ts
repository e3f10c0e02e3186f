/**
 * `memplan plan` output in the analysis table's style: the memory regions (ld's heads, the lower
 * bound and the overhead over it), then every allocation by pool and offset. CSV gives the same
 * allocations with exact bytes, one row each.
 */
import type { BufferInfo, PlanResult } from '../planner/types.js';
import { formatBytes, formatPercent } from './units.js';
import { overhead, POOL_HEADER } from './summary.js';
import type { TextColumn } from './text-table.js';
import { renderTextTable } from './text-table.js';

/** Terminal rendering of a plan: pools against their lower bound, then every allocation. */
export function renderPlanTable(plan: PlanResult, buffers: readonly BufferInfo[], title: string): string {
  const regionCols: TextColumn[] = POOL_HEADER.map((head, i) => ({ head, align: i === 0 ? 'left' : 'right' }));
  const regions = plan.pools.map((p) => [
    p.name,
    `${p.usedBytes} (${formatBytes(p.usedBytes)})`,
    p.sizeBytes === null ? 'unbounded' : `${p.sizeBytes}`,
    formatPercent(p.usedBytes, p.sizeBytes),
    `${p.lowerBoundBytes}`,
    overhead(p),
  ]);
  const rows = allocationRows(plan, buffers).map((r) => [r.pool, String(r.offsetBytes), String(r.offsetBytes + r.sizeBytes), String(r.sizeBytes), r.live, r.name]);
  const cols: TextColumn[] = [
    { head: 'Memory' }, { head: 'Offset', align: 'right' }, { head: 'End', align: 'right' }, { head: 'Size', align: 'right' },
    { head: 'Live steps', align: 'right' }, { head: 'Buffer' },
  ];
  const lines = [
    `${title}: ${buffers.length} buffers, strategy ${plan.strategy}, ${plan.optimal ? 'proven optimal' : 'not proven optimal'}, ${plan.fits ? 'fits' : 'DOES NOT FIT'}`,
    '',
    renderTextTable(regionCols, regions),
    '',
    `Allocations (${plan.allocations.length}; offsets and sizes in bytes):`,
    renderTextTable(cols, rows),
  ];
  if (plan.unplaced.length > 0) lines.push('', `Unplaced: ${plan.unplaced.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

const CSV_HEAD = ['set', 'buffer', 'pool', 'offset_bytes', 'end_bytes', 'size_bytes', 'start_step', 'end_step'] as const;

/**
 * One row per allocation (then one per unplaced buffer, with empty pool and offsets), exact bytes,
 * RFC 4180 quoting; `set` names the buffer set (several for a Glow trace).
 */
export function renderPlanCsv(plans: readonly { readonly title: string; readonly plan: PlanResult; readonly buffers: readonly BufferInfo[] }[]): string {
  const lines = [CSV_HEAD.join(',')];
  for (const { title, plan, buffers } of plans) {
    for (const r of allocationRows(plan, buffers)) {
      lines.push([title, r.name, r.pool, r.offsetBytes, r.offsetBytes + r.sizeBytes, r.sizeBytes, r.start ?? '', r.end ?? ''].map((v) => csvField(String(v))).join(','));
    }
    const byName = new Map(buffers.map((b) => [b.name, b]));
    for (const name of plan.unplaced) {
      const b = byName.get(name);
      lines.push([title, name, '', '', '', b?.sizeBytes ?? '', b?.start ?? '', b?.end ?? ''].map((v) => csvField(String(v))).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

interface AllocationRow {
  readonly name: string;
  readonly pool: string;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  readonly start?: number;
  readonly end?: number;
  /** `3..7`, or `conflicts` for a buffer given by its conflicts only. */
  readonly live: string;
}

/** Allocations by pool (the plan's order), then offset, then name. */
function allocationRows(plan: PlanResult, buffers: readonly BufferInfo[]): AllocationRow[] {
  const byName = new Map(buffers.map((b) => [b.name, b]));
  const poolIndex = new Map(plan.pools.map((p, i) => [p.name, i]));
  return [...plan.allocations]
    .sort((a, b) => (poolIndex.get(a.pool) ?? 0) - (poolIndex.get(b.pool) ?? 0) || a.offsetBytes - b.offsetBytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((a) => {
      const b = byName.get(a.name);
      const start = b?.start;
      const end = b?.end ?? start;
      return {
        name: a.name,
        pool: a.pool,
        offsetBytes: a.offsetBytes,
        sizeBytes: a.sizeBytes,
        ...(start !== undefined ? { start, end } : {}),
        live: start === undefined ? 'conflicts' : start === end ? String(start) : `${start}..${end}`,
      };
    });
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
