/** `memplan plan` on buffer sets with overlays: planned and verified, bad overlays exit 2 with one line. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';

async function run(argv: string[], files: Record<string, string>) {
  const m = memoryHost(files);
  const { exitCode } = await runCli(argv, m.host);
  return { exitCode, stdout: m.stdout, stderr: m.stderr };
}

/** X 100 B live [0,1]; Y 40 B live [1,5] written over X from 10 bytes below it; Z 90 B live [2,5]. */
function example(overlay: unknown, pools?: unknown[]): string {
  return JSON.stringify({
    ...(pools !== undefined ? { pools } : {}),
    buffers: [
      { name: 'X', sizeBytes: 100, start: 0, end: 1 },
      { name: 'Y', sizeBytes: 40, start: 1, end: 5, overlay },
      { name: 'Z', sizeBytes: 90, start: 2, end: 5 },
    ],
  });
}

describe('memplan plan with overlays', () => {
  it('plans the overlay at its distance: 130 bytes instead of 140', async () => {
    const r = await run(['plan', 'o.json', '--format', 'json'], { 'o.json': example({ buffer: 'X', offsetBytes: -10 }) });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ fits: true, optimal: true, pools: [{ name: 'sram', usedBytes: 130, lowerBoundBytes: 130 }] });
    const at = (name: string): number => plan.allocations.find((a: { name: string }) => a.name === name).offset;
    expect(at('Y')).toBe(at('X') - 10);
    const plain = JSON.parse(example({ buffer: 'X', offsetBytes: -10 }));
    delete plain.buffers[1].overlay;
    const without = JSON.parse((await run(['plan', 'p.json', '--format', 'json'], { 'p.json': JSON.stringify(plain) })).stdout);
    expect(without.pools[0].usedBytes).toBe(140);
  });

  it.each([
    ['an unknown target', { buffer: 'W', offsetBytes: 0 }, undefined, undefined, /overlay\.buffer names unknown buffer 'W'/],
    ['a fractional distance', { buffer: 'X', offsetBytes: 2.5 }, undefined, undefined, /overlay\.offsetBytes must be an integer/],
    ['a distance off the pool alignment', { buffer: 'X', offsetBytes: -10 }, [{ name: 'sram', sizeBytes: null, alignment: 16 }], undefined, /not a multiple of the 16-byte alignment of 'Y' in pool 'sram'/],
    ['a pair with different pools', { buffer: 'X', offsetBytes: 0 }, [{ name: 'sram', sizeBytes: null }, { name: 'dram', sizeBytes: null }], ['dram'], /candidate pools differ/],
  ])('exit 2 with one line for %s', async (_label, overlay, pools, overlayPools, message) => {
    const doc = JSON.parse(example(overlay, pools));
    if (overlayPools !== undefined) doc.buffers[1].pools = overlayPools;
    const text = JSON.stringify(doc);
    const r = await run(['plan', 'bad.json'], { 'bad.json': text });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error MP601: /);
    expect(lines[0]).toMatch(message);
  });
});
