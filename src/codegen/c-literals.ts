/** C literals for numbers: float32 values that read back exactly. */

const f32 = new Float32Array(1);

/** A C float constant equal to the float32 rounding of v (`1.5f`, `-2.0e-07f`, `NAN`, `-INFINITY`). */
export function cFloat(v: number): string {
  f32[0] = v;
  const x = f32[0]!;
  if (Number.isNaN(x)) return 'NAN';
  if (x === Infinity) return 'INFINITY';
  if (x === -Infinity) return '-INFINITY';
  if (x === 0) return Object.is(x, -0) ? '-0.0f' : '0.0f';
  // Shortest of a few precisions that reads back as the same float32 (9 digits always does).
  for (const p of [7, 9]) {
    const s = x.toPrecision(p);
    if (p === 9 || Math.fround(Number(s)) === x) return `${tidy(s)}f`;
  }
  return `${tidy(x.toPrecision(9))}f`;
}

function tidy(s: string): string {
  const [mant, exp] = s.split('e') as [string, string | undefined];
  let m = mant;
  if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '.0');
  else m = `${m}.0`;
  return exp === undefined ? m : `${m}e${exp}`;
}
