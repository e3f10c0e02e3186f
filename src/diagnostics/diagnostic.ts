/** Where a diagnostic points: any subset of file, node, layer, buffer, pool, flag. */
export interface Location {
  readonly file?: string;
  readonly node?: string;
  readonly opType?: string;
  readonly layer?: string;
  readonly buffer?: string;
  readonly pool?: string;
  readonly flag?: string;
}

export type Severity = 'error' | 'warning' | 'note';

/** One user-facing message with a stable code (see codes.ts). */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly location?: Location;
}

/** Formats a diagnostic as one line: `error MP201: <message> (file x.onnx, node Conv_3)`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where: string[] = [];
  const loc = d.location;
  if (loc) {
    if (loc.file !== undefined) where.push(`file ${loc.file}`);
    if (loc.node !== undefined) where.push(`node '${loc.node}'`);
    if (loc.opType !== undefined) where.push(`op ${loc.opType}`);
    if (loc.layer !== undefined) where.push(`layer '${loc.layer}'`);
    if (loc.buffer !== undefined) where.push(`buffer '${loc.buffer}'`);
    if (loc.pool !== undefined) where.push(`pool '${loc.pool}'`);
    if (loc.flag !== undefined) where.push(`flag ${loc.flag}`);
  }
  const oneLine = d.message.replace(/\s*\n\s*/g, ' ');
  return `${d.severity} ${d.code}: ${oneLine}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}
