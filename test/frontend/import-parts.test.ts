/** The importer's building blocks: --input parsing and graph ordering. */
import { describe, expect, it } from 'vitest';
import { parseInputSpec, parseInputSpecs } from '../../src/frontend/input-spec.js';
import { consumersOf, producersOf, topologicalOrder } from '../../src/ir/graph-order.js';
import type { OrderItem } from '../../src/ir/graph-order.js';
import { failure } from './failure.js';

describe('parseInputSpec', () => {
  it('parses NAME=DxDxD', () => {
    expect(parseInputSpec('x=1x3x48x192')).toEqual({ name: 'x', shape: [1, 3, 48, 192] });
    expect(parseInputSpec('input_1=1X76X32X1')).toEqual({ name: 'input_1', shape: [1, 76, 32, 1] });
    expect(parseInputSpec('a=b=4')).toEqual({ name: 'a=b', shape: [4] });
    expect(parseInputSpec('gpu_0/data_0=1x3x224x224')).toEqual({ name: 'gpu_0/data_0', shape: [1, 3, 224, 224] });
    expect(parseInputSpec('sr=scalar')).toEqual({ name: 'sr', shape: [] });
  });

  it('rejects bad values with MP103 naming the flag', () => {
    for (const bad of ['x', '=1x3', 'x=', 'x=1x', 'x=1xx3', 'x=0x3', 'x=-1x3', 'x=1.5', 'x=axb', 'x=99999999999999999999']) {
      const f = failure(() => parseInputSpec(bad));
      expect([bad, f.code, f.flag]).toEqual([bad, 'MP103', '--input']);
      expect(f.message).not.toContain('\n');
    }
  });

  it('rejects the same input twice', () => {
    expect(parseInputSpecs(['x=1x2', 'y=3'])).toEqual(new Map([['x', [1, 2]], ['y', [3]]]));
    expect(failure(() => parseInputSpecs(['x=1x2', 'x=3'])).code).toBe('MP103');
  });
});

describe('graph order', () => {
  const items = (...specs: [string, string[], string[]][]): OrderItem[] =>
    specs.map(([name, inputs, outputs]) => ({ name, inputs, outputs }));

  it('keeps a valid order exactly', () => {
    const g = items(['a', ['x'], ['p']], ['b', ['x'], ['q']], ['c', ['p', 'q'], ['r']], ['d', ['x'], ['s']]);
    expect(topologicalOrder(g)).toEqual([0, 1, 2, 3]);
  });

  it('repairs an invalid order, earliest ready node first', () => {
    const g = items(['c', ['p', 'q'], ['r']], ['d', ['r'], ['s']], ['b', ['x'], ['q']], ['a', ['x'], ['p']], ['e', ['x'], ['t']]);
    expect(topologicalOrder(g)).toEqual([2, 3, 0, 1, 4]);
  });

  it('ignores omitted inputs and external names', () => {
    const g = items(['a', ['', 'x'], ['p', '']], ['b', ['p', ''], ['q']]);
    expect(topologicalOrder(g)).toEqual([0, 1]);
  });

  it('reports a cycle naming a node in it (MP208)', () => {
    const g = items(['in', ['x'], ['a']], ['loop1', ['a', 'c'], ['b']], ['loop2', ['b'], ['c']], ['after', ['c'], ['y']]);
    const f = failure(() => topologicalOrder(g, { file: 'm.onnx' }));
    expect(f.code).toBe('MP208');
    expect(['loop1', 'loop2']).toContain(f.node);
    expect(f.message).toContain("'loop1', 'loop2'");
    expect(f.message).toContain('file m.onnx');
  });

  it('producers and consumers', () => {
    const g = items(['a', ['x'], ['p', '']], ['b', ['p', 'p'], ['q']], ['c', ['p', 'q'], ['r']]);
    expect(producersOf(g)).toEqual(new Map([['p', 0], ['q', 1], ['r', 2]]));
    expect(consumersOf(g)).toEqual(new Map([['x', [0]], ['p', [1, 2]], ['q', [2]]]));
    expect(failure(() => producersOf(items(['a', [], ['p']], ['b', [], ['p']]))).code).toBe('MP207');
  });

  it('orders a long chain quickly', () => {
    const n = 20000;
    const g: OrderItem[] = [];
    for (let i = n - 1; i >= 0; i--) g.push({ name: `n${i}`, inputs: [`t${i}`], outputs: [`t${i + 1}`] });
    const order = topologicalOrder(g);
    expect(order[0]).toBe(n - 1);
    expect(order[n - 1]).toBe(0);
  });
});
