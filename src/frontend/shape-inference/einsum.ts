/**
 * Einsum: output shape from the equation. Each operand term labels its axes with letters and at most
 * one '...' (the broadcast axes); the output is the explicit right-hand side, or, without '->', the
 * broadcast axes followed by the letters used exactly once, in alphabetical order.
 */
import { Codes } from '../../diagnostics/codes.js';
import { broadcastShapes } from './broadcast.js';
import type { InferContext, ShapeFn, ValueInfo } from './types.js';
import { attrString, fail, fmt, where } from './util.js';

const LETTER = /^[A-Za-z]$/;

/** Splits a term into its labels, '...' standing for the ellipsis. */
function labelsOf(ctx: InferContext, term: string): string[] {
  const labels: string[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith('...', i)) {
      if (labels.includes('...')) fail(ctx, Codes.BadAttribute, `term '${term}' has more than one ellipsis`);
      labels.push('...');
      i += 2;
    } else if (LETTER.test(term[i] as string)) labels.push(term[i] as string);
    else fail(ctx, Codes.BadAttribute, `equation term '${term}' has an invalid character '${term[i]}'`);
  }
  return labels;
}

const einsum: ShapeFn = (ctx, inputs) => {
  const equation = (attrString(ctx, 'equation') ?? '').replace(/\s+/g, '');
  const [lhs, rhs] = equation.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  const operands = inputs.filter((v): v is ValueInfo => v !== undefined);
  if (terms.length !== operands.length) {
    fail(ctx, Codes.BadAttribute, `equation '${equation}' has ${terms.length} operands but the node has ${operands.length} inputs`);
  }
  const dims = new Map<string, number>();
  const counts = new Map<string, number>();
  let ellipsis: number[] = [];
  terms.forEach((term, k) => {
    const shape = (operands[k] as ValueInfo).shape;
    const labels = labelsOf(ctx, term);
    const letters = labels.filter((l) => l !== '...').length;
    const hasEllipsis = labels.includes('...');
    if (hasEllipsis ? shape.length < letters : shape.length !== letters) {
      fail(ctx, Codes.ShapeMismatch, `term '${term}' does not match operand ${k} of shape ${fmt(shape)}`);
    }
    let axis = 0;
    for (const label of labels) {
      if (label === '...') {
        const n = shape.length - letters;
        ellipsis = broadcastShapes(ellipsis, shape.slice(axis, axis + n), where(ctx));
        axis += n;
        continue;
      }
      const d = shape[axis++] as number;
      const seen = dims.get(label);
      if (seen !== undefined && seen !== d && seen !== 1 && d !== 1) {
        fail(ctx, Codes.ShapeMismatch, `label '${label}' has sizes ${seen} and ${d}`);
      }
      dims.set(label, seen === undefined || seen === 1 ? d : seen);
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  });
  const outLabels = rhs !== undefined
    ? labelsOf(ctx, rhs)
    : ['...', ...[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  const shape: number[] = [];
  for (const label of outLabels) {
    if (label === '...') shape.push(...ellipsis);
    else {
      const d = dims.get(label);
      if (d === undefined) return fail(ctx, Codes.BadAttribute, `output label '${label}' is not used by any operand`);
      shape.push(d);
    }
  }
  return [{ dtype: (operands[0] as ValueInfo).dtype, shape }];
};

export const EINSUM_OPS: Readonly<Record<string, ShapeFn>> = { Einsum: einsum };
