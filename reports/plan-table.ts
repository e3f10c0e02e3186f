import Table from 'cli-table3';
import type { BufferInfo, PlanResult } from '../planner/types.js';
import { formatBytes, formatPercent } from './units.js';
import { overhead } from './summary.js';

const PLAIN = { head: [] as string[], border: [] as string[] };

/** Terminal rendering of a plan: pools against their lower bound, then every allocation. */
export function renderPlanTable(plan: PlanResult, buffers: readonly BufferInfo[], title: string): string {
  const pools = new Table({
    head: ['Pool', 'Used', 'Size', '% used', 'Lower bound', 'Overhead'],
    style: PLAIN,
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const p of plan.pools) {
    pools.push([
      p.name,
      `${p.usedBytes} (${formatBytes(p.usedBytes)})`,
      p.sizeBytes === null ? 'unbounded' : `${p.sizeBytes}`,
      formatPercent(p.usedBytes, p.sizeBytes),
      `${p.lowerBoundBytes}`,
      overhead(p),
    ]);
  }
  const byName = new Map(buffers.map((b) => [b.name, b]));
  const allocs = new Table({
    head: ['Buffer', 'Pool', 'Offset', 'Size', 'Live'],
    style: PLAIN,
    colAligns: ['left', 'left', 'right', 'right', 'left'],
  });
  for (const a of plan.allocations) {
    const b = byName.get(a.name);
    const live = b?.startStep !== undefined ? `${b.startStep}..${b.endStep ?? b.startStep}` : 'conflicts';
    allocs.push([a.name, a.pool, String(a.offsetBytes), String(a.sizeBytes), live]);
  }
  const lines = [
    `${title}: ${buffers.length} buffers, strategy ${plan.strategy}, ${plan.optimal ? 'proven optimal' : 'not proven optimal'}, ${plan.fits ? 'fits' : 'DOES NOT FIT'}`,
    pools.toString(),
    allocs.toString(),
  ];
  if (plan.unplaced.length > 0) lines.push(`Unplaced: ${plan.unplaced.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
