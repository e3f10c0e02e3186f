/**
 * Two-pass recompute of squeeze-excitation blocks (issue 10, schedule/depth-first/recompute.ts)
 * through generated C: a hand-built SE block (Conv -> depthwise = T, GlobalAveragePool -> fc1 -> fc2
 * -> Sigmoid = s, Mul(s, T) -> projection) with no DRAM at exactly minSramBytes in poison mode
 * matches onnxruntime-web, in every mode (line buffers only; patches and 2-D tiles) ; the pass-1
 * segment ends in the row pool, the pass-2 segment reads s whole (a side input) and recomputes the
 * chain; the MAC counter build (-DMP_COUNT_MACS) counts exactly the layers' own MACs, the halo MACs
 * and the recomputed MACs the report gives, and the recomputed MACs are those of the chain's layers;
 * on 4 cores, and under ASan + UBSan.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMbConvSe, buildSeBlock } from '../../fixtures/models/df-chain.js';
import type { Analysis } from '../../src/pipeline.js';
import type { Stmt } from '../../src/ir/loop.js';
import { RECOMPUTE_SUFFIX, ROWS_SUFFIX, segmentFigures } from '../../src/schedule/depth-first/index.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { atMinSram, checkModel, countedMacs } from './depth-first-c.js';

const tmp = makeTempDir('memplan-emit-recompute-');
afterAll(() => removeDir(tmp));

/** MACs of every compute statement of a layer times the iterations of its loops. */
function layerMacs(body: readonly Stmt[], times = 1): number {
  return body.reduce((s, st) => s + (st.kind === 'loop' ? layerMacs(st.body, times * st.extent) : st.kind === 'compute' ? st.macs * times : 0), 0);
}

/** MACs of the segments' members that are not recomputed clones (each member's whole output, once). */
function ownMemberMacs(a: Analysis): number {
  let total = 0;
  for (const node of a.graph.nodes) {
    if (!node.segment) continue;
    for (const m of segmentFigures(a, node).members) if (m.node.recomputeOf === undefined) total += m.macsPerRow * m.height;
  }
  return total;
}

describe('two-pass recompute of a squeeze-excitation block through generated C', () => {
  for (const [label, patches, tiles] of [['line buffers only', false, false], ['patches and 2-D tiles', true, true]] as const) {
    it(`SE block, ${label}: matches onnxruntime-web at minSramBytes, MACs counted = reported`, async () => {
      mkdirSync(tmp, { recursive: true });
      const name = `se-${patches ? 'pt' : 'l'}`;
      const file = path.join(tmp, `${name}.onnx`);
      writeFileSync(file, buildSeBlock());
      const { a, cfg } = await checkModel(file, name, tmp, patches, tiles);
      // Pass 1: the chain ending in the row pool (the GlobalAveragePool reads its 16x27x1 output);
      // pass 2: the chain again (clones), the Mul reading s whole, the projection.
      const segs = a.graph.nodes.filter((n) => n.segment);
      const pass1 = segs.find((n) => n.segment!.members.some((m) => m.name === `gap${ROWS_SUFFIX}`));
      const pass2 = segs.find((n) => n.segment!.members.some((m) => m.recomputeOf !== undefined));
      expect(pass1?.segment!.members.map((m) => m.name)).toEqual(['conv1', 'dw2', `gap${ROWS_SUFFIX}`]);
      expect(pass2?.segment!.members.map((m) => m.name)).toEqual([`conv1${RECOMPUTE_SUFFIX}`, `dw2${RECOMPUTE_SUFFIX}`, 'scale', 'project']);
      expect(pass2!.inputs).toEqual(['input', 'fc2.sigmoid']); // s: a side input
      // The report names the model nodes each runs: the chain's twice.
      const layer2 = a.report.layers[pass2!.step]!;
      expect(layer2.nodes).toEqual(['conv1', 'relu1', 'dw2', 'relu2', 'scale', 'project']);
      // The recomputed MACs are the chain's layers' own, as the layer-by-layer schedule computes them.
      const plain = await analyzeFile(file, { label: 'plain', sramBytes: 1 << 20, dramBytes: 0, depthFirst: false });
      const chainMacs = plain.schedule.layers.filter((l) => l.name === 'conv1' || l.name === 'dw2').reduce((s, l) => s + layerMacs(l.body), 0);
      expect(chainMacs).toBeGreaterThan(0);
      expect(layer2.segment!.recomputeMacs).toBe(chainMacs);
      const recompute = a.report.layers.reduce((s, l) => s + (l.segment?.recomputeMacs ?? 0), 0);
      expect(recompute).toBe(chainMacs);
      // The generated code computes exactly: the members' own, the halo and the recomputed MACs.
      const extra = a.report.layers.reduce((s, l) => s + (l.segment?.extraMacs ?? 0), 0);
      if (!patches && !tiles) expect(extra).toBe(0);
      const counted = countedMacs(a, path.join(tmp, `${name}-macs2`), inputsFor(a, 7).map((f) => f.data));
      expect(counted).toBe(ownMemberMacs(a) + extra + recompute);
      // Below what the block needs without recompute (T whole while s is computed).
      const without = await atMinSram(file, true, patches, tiles, false);
      expect(cfg.sramBytes!).toBeLessThan(without.cfg.sramBytes!);
      expect(without.analysis.graph.nodes.some((n) => n.segment?.members.some((m) => m.recomputeOf !== undefined))).toBe(false);
      // One byte less does not fit.
      expect((await analyzeFile(file, { ...cfg, sramBytes: cfg.sramBytes! - 1 })).report.fits).toBe(false);
    }, 300_000);
  }

  // EfficientNet's MBConv: SiLU everywhere (fused Sigmoid and Mul), the depthwise with stride 2, or
  // with stride 1 and the block's input added to the projection (the recomputed chain's input X is
  // then also the residual read by pass 2).
  for (const stride of [1, 2] as const) {
    for (const [label, patches, tiles] of [['line buffers only', false, false], ['patches and 2-D tiles', true, true]] as const) {
      it(`MBConv with SE, stride ${stride}, ${label}: matches onnxruntime-web at minSramBytes, MACs counted = reported`, async () => {
        mkdirSync(tmp, { recursive: true });
        const name = `mbconv-s${stride}-${patches ? 'pt' : 'l'}`;
        const file = path.join(tmp, `${name}.onnx`);
        writeFileSync(file, buildMbConvSe({ stride }));
        const { a, cfg } = await checkModel(file, name, tmp, patches, tiles);
        const pass2 = a.graph.nodes.find((n) => n.segment?.members.some((m) => m.recomputeOf !== undefined));
        expect(pass2?.segment!.members.filter((m) => m.recomputeOf !== undefined).map((m) => m.recomputeOf)).toEqual(['expand', 'dw']);
        expect(pass2!.inputs).toEqual(['input', 'fc2.sigmoid']);
        const recompute = a.report.layers.reduce((s, l) => s + (l.segment?.recomputeMacs ?? 0), 0);
        const extra = a.report.layers.reduce((s, l) => s + (l.segment?.extraMacs ?? 0), 0);
        const counted = countedMacs(a, path.join(tmp, `${name}-macs2`), inputsFor(a, 5).map((f) => f.data));
        expect(counted).toBe(ownMemberMacs(a) + extra + recompute);
        const without = await atMinSram(file, true, patches, tiles, false);
        expect(cfg.sramBytes!).toBeLessThan(without.cfg.sramBytes!);
        expect((await analyzeFile(file, { ...cfg, sramBytes: cfg.sramBytes! - 1 })).report.fits).toBe(false);
      }, 300_000);
    }
  }

  it('SE block on 4 cores at its minSramBytes (poison), and under ASan + UBSan', async () => {
    mkdirSync(tmp, { recursive: true });
    const file = path.join(tmp, 'se-4.onnx');
    writeFileSync(file, buildSeBlock());
    const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0, cores: 4 });
    const min = probe.report.minSramBytes!;
    const cfg: Config = { label: `no DRAM, 4 cores, ${min} bytes SRAM, poison`, sramBytes: min, dramBytes: 0, cores: 4, poison: true };
    const a = await analyzeFile(file, cfg);
    expect(a.report.fits).toBe(true);
    expect(a.report.layers.some((l) => (l.segment?.recomputeMacs ?? 0) > 0)).toBe(true);
    expect((await analyzeFile(file, { ...cfg, sramBytes: min - 1 })).report.fits).toBe(false);
    const feeds = inputsFor(a, 13);
    const ref = await ortReference(file, feeds, a.graph.outputs);
    buildAndRun(a, path.join(tmp, 'se-4'), cfg, feeds.map((f) => f.data)).forEach((g, i) => expect(`${cfg.label}: ${compare(g, ref[i]!).worst}`).toBe(`${cfg.label}: `));
    const { cfg: one } = await atMinSram(file, true, false, false);
    const asan: Config = { ...one, label: `ASan + UBSan, ${one.label}`, poison: false, asan: true };
    const b = await analyzeFile(file, asan);
    expect(b.report.layers.some((l) => (l.segment?.recomputeMacs ?? 0) > 0)).toBe(true);
    buildAndRun(b, path.join(tmp, 'se-asan'), asan, feeds.map((f) => f.data)).forEach((g, i) => expect(`${asan.label}: ${compare(g, ref[i]!).worst}`).toBe(`${asan.label}: `));
  }, 300_000);
});
