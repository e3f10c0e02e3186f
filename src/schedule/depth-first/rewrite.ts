/**
 * Replaces each chosen run of layers by one segment node (opType `Segment`, domain `memplan`): it
 * reads the segment's input and writes its output; its members keep their own nodes (weights,
 * attributes, fused chains) in `segment.members`. The intermediate tensors stay in `graph.tensors`
 * (shapes for the C views) but no node produces them, so graph liveness gives them no interval.
 */
import type { Graph, OpNode } from '../../ir/graph.js';
import type { SegmentChoice } from './choose.js';

export const SEGMENT_OP = 'Segment';
export const SEGMENT_DOMAIN = 'memplan';

export interface SegmentedGraph {
  readonly graph: Graph;
  /** For each step of the new graph, the steps of the old one it runs. */
  readonly sourceSteps: readonly (readonly number[])[];
}

export function segmentGraph(graph: Graph, segments: readonly SegmentChoice[]): SegmentedGraph {
  if (segments.length === 0) return { graph, sourceSteps: graph.nodes.map((_, i) => [i]) };
  const byFirst = new Map(segments.map((s) => [s.first, s]));
  const nodes: OpNode[] = [];
  const sourceSteps: number[][] = [];
  for (let i = 0; i < graph.nodes.length; i++) {
    const step = nodes.length;
    const seg = byFirst.get(i);
    if (!seg) {
      const node = graph.nodes[i]!;
      nodes.push(node.step === step ? node : { ...node, step });
      sourceSteps.push([i]);
      continue;
    }
    const members = graph.nodes.slice(seg.first, seg.last + 1);
    const steps = members.map((m) => m.step);
    nodes.push({
      name: `${members[0]!.name}..${members[members.length - 1]!.name}`,
      opType: SEGMENT_OP,
      domain: SEGMENT_DOMAIN,
      inputs: [seg.input, ...(seg.sides ?? [])],
      outputs: [seg.output],
      attributes: new Map(),
      step,
      segment: { members, bandRows: seg.geometry.bandRows, ...(seg.patch ? { patchCols: seg.patch.patchCols } : {}), ...(seg.tiles ? { patchCols: seg.tiles.cols.patchCols, tileRows: seg.tiles.rows.patchCols } : {}), sourceSteps: steps, ...(seg.overlay ? { overlayLagBytes: seg.overlay.lagBytes } : {}), ...(seg.overlay?.staging ? { staging: seg.overlay.staging } : {}) },
    });
    sourceSteps.push(steps);
    i = seg.last;
  }
  return { graph: { ...graph, nodes }, sourceSteps };
}
