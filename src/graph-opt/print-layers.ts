/** Deterministic text of the optimized layers (`memplan dump --stage layers`). */
import type { OptimizedGraph } from './layer-graph.js';

export function printLayers(o: OptimizedGraph): string {
  const where = (t: string) => {
    const p = o.placement.get(t);
    return !p || p.storage === t ? t : `${t}@${p.storage}+${p.offsetBytes}`;
  };
  const lines = [
    `layers ${o.layers.length} (nodes ${o.graph.nodes.length}), order ${o.order.method}, peak ${o.peakBytes} B (baseline ${o.baselinePeakBytes} B)`,
    `  saved ${Object.entries(o.savedBytes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  o.layers.forEach((l, i) => {
    const tag = l.noCode ? ' (no code)' : '';
    lines.push(`  ${i}: ${l.name} [${l.nodes.join(', ')}]${tag} (${l.reads.map(where).join(', ')}) -> ${l.writes.map(where).join(', ')}  live ${o.liveBytesByLayer[i] ?? 0} B`);
  });
  for (const s of o.storages) if (s.members.length > 1) lines.push(`  storage ${s.name} ${s.sizeBytes} B: ${s.members.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
