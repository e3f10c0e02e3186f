/** Deterministic text printers for the Graph IR and the scheduled IR (`memplan dump`, goldens). */
import type { Graph } from './graph.js';
import { formatShape } from './graph.js';
import type { LayerSchedule, Operand, Region, ScheduledModel, Stmt } from './loop.js';

export function printGraph(graph: Graph): string {
  const lines = [`graph ${graph.name} ir ${graph.irVersion} opset ${graph.opsetVersion} weights ${graph.weightBytes} B`];
  for (const name of graph.inputs) {
    const t = graph.tensors.get(name);
    if (t) lines.push(`  input ${name}: ${t.dtype}[${formatShape(t.shape)}]`);
  }
  for (const n of graph.nodes) {
    const outs = n.outputs.map((o) => {
      const t = graph.tensors.get(o);
      return t ? `${o}: ${t.dtype}[${formatShape(t.shape)}]` : graph.weights.has(o) ? `${o}: const` : o;
    });
    const fused = n.fused && n.fused.length > 0 ? ` fused [${n.fused.map((f) => `${f.name} = ${f.opType}`).join(', ')}]` : '';
    lines.push(`  ${n.step}: ${n.name} = ${n.domain ? `${n.domain}.` : ''}${n.opType}(${n.inputs.join(', ')}) -> ${outs.join(', ')}${fused}`);
  }
  lines.push(`  outputs ${graph.outputs.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function region(r: Region): string {
  if (r.ranges.length === 0) return r.tensor;
  const parts = r.ranges.map((g) => {
    const start = g.loopVar === '' ? `${g.offset}` : `${g.loopVar}*${g.stride}${g.offset < 0 ? ` - ${-g.offset}` : g.offset > 0 ? ` + ${g.offset}` : ''}`;
    return `d${g.dim}=[${start} +${g.extent} <${g.limit}]`;
  });
  return `${r.tensor}{${parts.join(', ')}}`;
}

function operand(o: Operand): string {
  return `${o.buffer}:${region(o.region)}`;
}

function stmts(body: readonly Stmt[], indent: string, out: string[]): void {
  for (const s of body) {
    switch (s.kind) {
      case 'loop':
        out.push(`${indent}loop ${s.loopVar} in 0..${s.extent - 1}${s.parallel === 'cores' ? ' parallel(cores)' : ''}${s.pipelined ? ' pipelined' : ''} {`);
        stmts(s.body, `${indent}  `, out);
        out.push(`${indent}}`);
        break;
      case 'dma-start':
        out.push(`${indent}dma-start ${s.token} ch${s.channel} ${s.direction} ${operand(s.src)} -> ${operand(s.dst)} (${s.bytes} B)`);
        break;
      case 'dma-wait':
        out.push(`${indent}dma-wait ${s.token}`);
        break;
      case 'compute':
        out.push(`${indent}compute ${s.op}${s.node !== undefined ? ` [${s.node}]` : ''}(${s.inputs.map(operand).join(', ')}) -> ${s.outputs.map(operand).join(', ')} macs ${s.macs}`);
        break;
      case 'shift':
        out.push(`${indent}shift ${s.buffer} by ${s.rows} rows`);
        break;
      case 'copy':
        out.push(`${indent}copy ${operand(s.src)} -> ${operand(s.dst)} (${s.bytes} B)`);
        break;
      case 'barrier':
        out.push(`${indent}barrier`);
        break;
    }
  }
}

export function printLayer(layer: LayerSchedule): string {
  const out: string[] = [];
  const t = layer.tile;
  const tiles = t.splits.length === 0 ? 'whole' : t.splits.map((s) => `${s.reduction ? 'k' : 'd'}${s.dim}:${s.size}/${s.extent}`).join(' ');
  out.push(
    `layer ${layer.step} ${layer.name} ${layer.op} [${layer.template}] tiles ${tiles} x${t.tileCount}${t.doubleBuffered ? ' double-buffered' : ''} cores ${t.cores}${layer.aliasOf ? ` view-of ${layer.aliasOf}` : ''}`,
  );
  const st = layer.stats;
  out.push(`  stats resident ${st.residentBytes} scratch ${st.scratchBytes} local ${st.localBytes} sram ${st.sramBytes} dma-in ${st.dmaInBytes} dma-out ${st.dmaOutBytes} cycles ${st.cycles} fits ${st.fits ? 'yes' : 'no'}`);
  for (const b of layer.buffers) {
    out.push(`  buffer ${b.name} ${b.kind} ${b.scope} ${b.dtype}[${formatShape(b.shape)}] ${b.sizeBytes} B x${b.copies}${b.perCore ? ' per-core' : ''}${b.tensor ? ` of ${b.tensor}` : ''}${b.lines ? ` lines d${b.lines.dim}[${b.lines.loopVar}*${b.lines.stride}${b.lines.offset < 0 ? '' : '+'}${b.lines.offset}, +${b.lines.rows})${b.lines.cols ? ` cols d${b.lines.cols.dim}[${b.lines.cols.loopVar}*${b.lines.cols.stride}${b.lines.cols.offset < 0 ? '' : '+'}${b.lines.cols.offset}, +${b.lines.cols.extent})` : ''}${b.lines.region ? ' region' : ''}` : ''}${b.channelsLast ? ' channels-last' : ''}`);
  }
  stmts(layer.body, '  ', out);
  return `${out.join('\n')}\n`;
}

export function printSchedule(model: ScheduledModel): string {
  const out = [`schedule target ${model.targetName} cores ${model.cores}`];
  for (const a of model.activations) out.push(`activation ${a.name} ${a.kind} ${a.scope} ${a.dtype}[${formatShape(a.shape)}] ${a.sizeBytes} B`);
  return `${out.join('\n')}\n${model.layers.map(printLayer).join('')}`;
}
