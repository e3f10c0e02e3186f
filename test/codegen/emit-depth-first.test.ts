/**
 * Generated C of depth-first segments (issue 10) against onnxruntime-web, with no DRAM (--dram 0) at
 * exactly minSramBytes and in poison mode (a line buffer or activation used past its lifetime reads
 * NaN), on hand-built chains: Conv 3x3 s1 -> Relu -> depthwise 3x3 s2 -> Conv 1x1 -> MaxPool with odd
 * sizes, the same with a residual block inside the chain, and seeded random chains; each in both
 * modes (column patches chosen by default, line buffers only) and in 2-D tiles (region buffers, halo
 * rows and columns recomputed); a SqueezeNet-like chain of Fire modules (channel Concats as segment
 * members, MaxPools with ceil_mode) in every mode, on 1 and 4 cores, and a segment ending at a
 * Concat whose output stays whole. The MAC counter build (-DMP_COUNT_MACS) shows that line-buffer
 * segments compute every output element of every member exactly once, and that patch and tiles
 * segments compute exactly the extra MACs they report (halo columns; rows too) beyond the members' own.
 * Whole models (mnasnet0_5_96 with patches, squeezenet1_1_96, the DRAM cases) are in
 * emit-depth-first.slow.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConcatTail, buildDfChain, buildFireChain, buildRandomChain } from '../../fixtures/models/df-chain.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { atMinSram, checkModel, expectStaging } from './depth-first-c.js';

const tmp = makeTempDir('memplan-emit-df-');
afterAll(() => removeDir(tmp));

describe('depth-first segments through generated C', () => {
  for (const residual of [false, true]) {
    it(`hand-built chain${residual ? ' with a residual block' : ''}, line buffers only`, async () => {
      mkdirSync(tmp, { recursive: true });
      const file = path.join(tmp, residual ? 'df-chain-residual.onnx' : 'df-chain.onnx');
      writeFileSync(file, buildDfChain({ residual }));
      const { a, cfg } = await checkModel(file, residual ? 'chain-res' : 'chain', tmp, false, false);
      // The plain chain: the whole chain as one segment (input and output whole, every intermediate
      // in line buffers) whose last member writes pool5 channels-last into a staging buffer over the
      // rows of the input read for the last time, copied into pool5 (NCHW) over the dead input; with
      // the residual block, conv1..dw2 writes dw2 over its input (plain overlay), and conv4..pool5
      // (pw3's rows read by conv4 with its halo and by add4) stages pool5 over pw3.
      const segs = a.report.layers.filter((l) => l.segment).map((l) => l.nodes);
      if (residual) expect(segs).toEqual([['conv1', 'relu1', 'dw2'], ['conv4', 'add4', 'pool5']]);
      else expect(segs).toEqual([['conv1', 'relu1', 'dw2', 'pw3', 'pool5']]);
      expect(a.report.layers[0]!.segment!.overlay?.output).toBe(a.schedule.bufferOfTensor.get(residual ? 'dw2' : 'pool5'));
      expect(expectStaging(a)).toBe(1);
      expect(a.report.layers.every((l) => !l.segment || l.segment.mode === 'line-buffer')).toBe(true);
      const off = await atMinSram(file, false);
      expect(cfg.sramBytes!).toBeLessThan(off.cfg.sramBytes!);
      // The buffers of a segment layer: only its line buffers (and a staging buffer) besides the whole input and output.
      for (const layer of a.schedule.layers.filter((l) => l.segment)) {
        expect(layer.buffers.every((b) => (b.lines !== undefined || b.channelsLast) && b.scope === 'sram')).toBe(true);
      }
    }, 300_000);

    it(`hand-built chain${residual ? ' with a residual block' : ''}, column patches`, async () => {
      mkdirSync(tmp, { recursive: true });
      const file = path.join(tmp, residual ? 'df-chain-residual-p.onnx' : 'df-chain-p.onnx');
      writeFileSync(file, buildDfChain({ residual }));
      const { a, cfg } = await checkModel(file, residual ? 'chain-res-p' : 'chain-p', tmp, true, false);
      const patch = a.report.layers.filter((l) => l.segment?.mode === 'patches');
      expect(patch.length).toBeGreaterThan(0);
      for (const l of patch) {
        expect(l.segment!.patches).toBeGreaterThan(1);
        expect(l.segment!.extraMacs).toBeGreaterThan(0);
      }
      // Patches go below the line-buffer-only minimum (narrower line buffers).
      const lines = await atMinSram(file, true, false, false);
      expect(cfg.sramBytes!).toBeLessThan(lines.cfg.sramBytes!);
      // Line buffers of a patch segment are patch-wide: their rows are narrower than the tensor's.
      const layer = a.schedule.layers.find((l) => l.segment?.mode === 'patches')!;
      for (const b of layer.buffers) if (!b.channelsLast) expect(b.lines?.cols).toBeDefined();
      // The patch segment stages its output (its columns written channels-last, copied after the loop).
      expect(layer.segment?.overlay?.staging?.buffer).toBe(`${layer.name}.stage`);
      expect(expectStaging(a)).toBe(1);
      expect(layer.buffers.some((b) => b.shape[3]! < a.graph.tensors.get(b.tensor!)!.shape[3]!)).toBe(true);
    }, 300_000);

    it(`hand-built chain${residual ? ' with a residual block' : ''}, 2-D tiles`, async () => {
      mkdirSync(tmp, { recursive: true });
      const file = path.join(tmp, residual ? 'df-chain-residual-t.onnx' : 'df-chain-t.onnx');
      writeFileSync(file, buildDfChain({ residual }));
      // Line buffers and tiles (no column patches): at the smallest SRAM, tiles segments.
      const { a, cfg } = await checkModel(file, residual ? 'chain-res-t' : 'chain-t', tmp, false, true);
      const tiled = a.schedule.layers.filter((l) => l.segment?.mode === 'tiles');
      expect(tiled.length).toBeGreaterThan(0);
      for (const l of tiled) {
        expect(l.segment!.rowTiles! * l.segment!.patches!).toBeGreaterThan(1);
        expect(l.segment!.extraMacs).toBeGreaterThan(0);
        // Region buffers: one tile's window of each intermediate, never shifted.
        for (const b of l.buffers) expect(b.lines?.region ?? b.channelsLast).toBe(true);
        // The output written channels-last into a staging buffer, copied over the dead input.
        expect(l.buffers.filter((b) => b.channelsLast).map((b) => b.name)).toEqual([`${l.name}.stage`]);
        expect(JSON.stringify(l.body)).not.toContain('"shift"');
      }
      // Region buffers of members that do not overlap share memory in the plan (the C above ran so):
      // in the plain chain, conv1's window is dead once dw2 has read it, when pw3 writes its own.
      expect(expectStaging(a)).toBe(tiled.length);
      const placed = tiled.flatMap((l) => l.buffers.filter((b) => b.lines?.region)).map((b) => a.plan.allocations.find((x) => x.name === b.name)!);
      const overlaps = placed.some((x, i) => placed.some((y, j) => j > i && x.pool === y.pool && x.offsetBytes < y.offsetBytes + y.sizeBytes && y.offsetBytes < x.offsetBytes + x.sizeBytes));
      expect(overlaps).toBe(!residual);
      // Tiles go below the line-buffer-only minimum.
      const lines = await atMinSram(file, true, false, false);
      expect(cfg.sramBytes!).toBeLessThan(lines.cfg.sramBytes!);
    }, 300_000);
  }

  // Channels-last staging on more cores and under the sanitizers: the plain chain's one segment stages
  // pool5 (its NCHW output) in each mode; the C matches onnxruntime-web and the same model without
  // segments, on 4 cores (the segment on one, the other layers split) in poison mode, and in an
  // ASan + UBSan build (the staging buffer's NHWC windows and the copy stay inside their buffers).
  for (const [label, patches, tiles] of [['line buffers', false, false], ['2-D tiles', false, true]] as const) {
    it(`channels-last staging, ${label}: 4 cores, poison; ASan + UBSan`, async () => {
      mkdirSync(tmp, { recursive: true });
      const name = `df-stage-${tiles ? 't' : 'l'}`;
      const file = path.join(tmp, `${name}.onnx`);
      writeFileSync(file, buildDfChain({ residual: false }));
      const probe4 = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0, cores: 4, patches, tiles });
      const min4 = probe4.report.minSramBytes!;
      const cfg4: Config = { label: `no DRAM, 4 cores, ${min4} bytes SRAM, poison`, sramBytes: min4, dramBytes: 0, cores: 4, poison: true, patches, tiles };
      const a4 = await analyzeFile(file, cfg4);
      expect(a4.report.fits).toBe(true);
      expect(expectStaging(a4)).toBe(1);
      expect((await analyzeFile(file, { ...cfg4, sramBytes: min4 - 1 })).report.fits).toBe(false);
      const feeds = inputsFor(a4, 11);
      const ref = await ortReference(file, feeds, a4.graph.outputs);
      const got4 = buildAndRun(a4, path.join(tmp, `${name}-4`), cfg4, feeds.map((f) => f.data));
      got4.forEach((g, i) => expect(`${cfg4.label}: ${compare(g, ref[i]!).worst}`).toBe(`${cfg4.label}: `));
      // The same model without segments, in C: the same outputs.
      const plainCfg: Config = { label: 'no DRAM, no depth-first', sramBytes: 1 << 20, dramBytes: 0, depthFirst: false };
      const plain = await analyzeFile(file, plainCfg);
      expect(plain.report.layers.some((l) => l.segment)).toBe(false);
      buildAndRun(plain, path.join(tmp, `${name}-plain`), plainCfg, feeds.map((f) => f.data)).forEach((g, i) => expect(compare(got4[i]!, g).worst).toBe(''));
      // ASan + UBSan at the one-core smallest SRAM.
      const { cfg } = await atMinSram(file, true, patches, tiles);
      const asan: Config = { ...cfg, label: `ASan + UBSan, ${cfg.label}`, poison: false, asan: true };
      const a = await analyzeFile(file, asan);
      expect(expectStaging(a)).toBe(1);
      buildAndRun(a, path.join(tmp, `${name}-asan`), asan, feeds.map((f) => f.data)).forEach((g, i) => expect(`${asan.label}: ${compare(g, ref[i]!).worst}`).toBe(`${asan.label}: `));
    }, 300_000);
  }

  // A BatchNormalization no convolution absorbs at the end of the chain (conv6 -> relu6 -> bn6, fused
  // into conv6's chain): its per-channel kernel (mpg_batchnorm, planes at any strides) writes the
  // staging buffer's NHWC windows too.
  // (With line buffers only, the segment stops at pool5 and conv6 runs on its own.)
  for (const [label, patches, tiles] of [['default modes', true, true], ['column patches', true, false]] as const) {
    it(`channels-last staging through a BatchNormalization, ${label}`, async () => {
      mkdirSync(tmp, { recursive: true });
      const name = `df-stage-bn-${tiles ? 't' : 'p'}`;
      const file = path.join(tmp, `${name}.onnx`);
      writeFileSync(file, buildDfChain({ batchNorm: true }));
      const { a } = await checkModel(file, name, tmp, patches, tiles);
      expect(expectStaging(a)).toBe(1);
      const staged = a.schedule.layers.find((l) => l.segment?.overlay?.staging)!;
      expect(staged.segment!.members.slice(-3)).toEqual(['conv6', 'relu6', 'bn6']);
    }, 300_000);
  }

  // A SqueezeNet-like chain: Fire modules (squeeze, expand 1x1 and 3x3, channel Concat), MaxPools
  // with ceil_mode. The Concats are segment members: their operands (placed copy-free in the Concat's
  // output by the graph optimizations) are line or region buffers inside a segment.
  for (const [label, patches, tiles] of [['default modes', true, true], ['line buffers only', false, false], ['line buffers and 2-D tiles', false, true]] as const) {
    it(`Fire modules through Concat members, ${label}`, async () => {
      mkdirSync(tmp, { recursive: true });
      const name = `df-fire-${patches ? 'p' : ''}${tiles ? 't' : ''}`;
      const file = path.join(tmp, `${name}.onnx`);
      writeFileSync(file, buildFireChain());
      const { a, cfg } = await checkModel(file, name, tmp, patches, tiles);
      const segs = a.report.layers.filter((l) => l.segment);
      // Some segment runs a whole Fire module: both expands and the Concat, and what reads the Concat.
      expect(segs.some((l) => l.nodes.includes('fire2.concat') && l.nodes.includes('fire2.expand3x3') && l.nodes.includes('fire3.squeeze'))).toBe(true);
      if (!patches && !tiles) expect(segs.every((l) => l.segment!.mode === 'line-buffer')).toBe(true);
      // The Concat operands of a segment live in its own buffers, never in the Concat's whole output.
      type S = { kind: string; op?: string; body?: S[]; inputs?: { buffer: string; region: { tensor: string } }[] };
      const flat = (x: S): S[] => (x.kind === 'loop' ? x.body!.flatMap(flat) : [x]);
      let concats = 0;
      for (const layer of a.schedule.layers.filter((l) => l.segment)) {
        const own = new Map(layer.buffers.map((b) => [b.tensor, b.name]));
        for (const c of (layer.body as S[]).flatMap(flat)) {
          if (c.kind !== 'compute' || c.op !== 'Concat') continue;
          concats++;
          for (const i of c.inputs!) expect(i.buffer).toBe(own.get(i.region.tensor));
        }
      }
      expect(concats).toBeGreaterThan(0);
      // On 4 cores (segments run on one; the other layers split), at that target's smallest SRAM.
      const probe4 = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0, cores: 4, patches, tiles });
      const cfg4: Config = { label: `no DRAM, 4 cores, ${probe4.report.minSramBytes} bytes SRAM, poison`, sramBytes: probe4.report.minSramBytes!, dramBytes: 0, cores: 4, poison: true, patches, tiles };
      const a4 = await analyzeFile(file, cfg4);
      expect(a4.report.fits).toBe(true);
      expect(a4.report.layers.some((l) => l.segment && l.nodes.includes('fire2.concat'))).toBe(true);
      const feeds = inputsFor(a4, 7);
      const ref = await ortReference(file, feeds, a4.graph.outputs);
      buildAndRun(a4, path.join(tmp, `${name}-4`), cfg4, feeds.map((f) => f.data)).forEach((g, i) => expect(`${cfg4.label}: ${compare(g, ref[i]!).worst}`).toBe(`${cfg4.label}: `));
      // Below the smallest SRAM without segments (the Fire modules hold that peak).
      const off = await atMinSram(file, false);
      expect(cfg.sramBytes!).toBeLessThan(off.cfg.sramBytes!);
    }, 300_000);
  }

  // A segment that ends at a Concat: the expands write their bands into line or region buffers (not
  // into their copy-free slices of the Concat's output), the member copies them into the whole output.
  for (const [label, patches, tiles] of [['default modes', true, true], ['line buffers only', false, false]] as const) {
    it(`a segment ending at a Concat, ${label}`, async () => {
      mkdirSync(tmp, { recursive: true });
      const name = `df-concat-tail-${patches ? 'p' : 'l'}`;
      const file = path.join(tmp, `${name}.onnx`);
      writeFileSync(file, buildConcatTail());
      const { a } = await checkModel(file, name, tmp, patches, tiles);
      const seg = a.schedule.layers.find((l) => l.segment)!;
      expect(seg.writes).toEqual(['concat']);
      expect(seg.buffers.map((b) => b.tensor).sort()).toEqual(['expand1x1.relu', 'expand3x3.relu', 'relu1']);
      // A Concat member copies its operands in place: never staged channels-last.
      expect(seg.segment?.overlay?.staging).toBeUndefined();
    }, 300_000);
  }

  it('seeded random chains (strides, paddings, average and max pools, residual blocks)', async () => {
    mkdirSync(tmp, { recursive: true });
    let checked = 0;
    const modes: string[] = [];
    // Seed 3 gets a tiles segment without extra MACs (its kernels do not overlap: same smallest SRAM
    // as line buffers, smaller buffers), 5 a patch segment with column patches and no tiles (by default
    // it now takes tiles, its output written over the dead part of its input), 13 a tiles segment
    // (2336 bytes, 2400 with column patches). More seeds, every mode: the slow file.
    for (const seed of [3, 5, 13]) {
      const file = path.join(tmp, `chain${seed}.onnx`);
      writeFileSync(file, buildRandomChain(seed));
      // An SRAM too small for the whole tensors: the segmented schedule (if any segment lowers the peak).
      const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0 });
      if (!probe.report.layers.some((l) => l.segment)) continue;
      const { a } = await checkModel(file, `chain${seed}`, tmp, true, seed !== 5);
      modes.push(a.report.layers.flatMap((l) => (l.segment ? [l.segment.mode] : [])).join(' '));
      checked++;
    }
    expect(checked).toBe(3);
    expect(modes).toEqual(['tiles', 'patches', 'tiles']);
  }, 600_000);

  it('seeded random chains in 2-D tiles (line buffers and tiles, no column patches)', async () => {
    mkdirSync(tmp, { recursive: true });
    let tiled = 0;
    for (const seed of [2, 5, 8, 13]) {
      const file = path.join(tmp, `chain${seed}-t.onnx`);
      writeFileSync(file, buildRandomChain(seed));
      const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0, patches: false, tiles: true });
      if (!probe.report.layers.some((l) => l.segment)) continue;
      const { a } = await checkModel(file, `chain${seed}-t`, tmp, false, true);
      tiled += a.report.layers.filter((l) => l.segment?.mode === 'tiles').length;
    }
    expect(tiled).toBeGreaterThanOrEqual(2);
  }, 600_000);
});
