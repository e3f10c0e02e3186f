/**
 * The catalogue of diagnostic codes. Ranges:
 *   MP1xx  command line and options
 *   MP2xx  model decoding and import (ONNX; TFLite from MP210)
 *   MP3xx  shape inference and constant folding
 *   MP4xx  planning and fitting (the gate)
 *   MP5xx  target files
 *   MP6xx  buffer-set files
 *   MP7xx  code generation
 *   MP9xx  internal errors (a bug in memplan: exit code 3, not 2)
 * Each code has a message template (TEMPLATES) with named parameters: errors are made with
 * `XError.of(code, params, location)` (or `.one(code, detail)` for a code whose template is the
 * free sentence `{detail}`), so a code's fixed wording lives here once.
 */
export const Codes = {
  BadFlag: 'MP101',
  BadSize: 'MP102',
  BadInputSpec: 'MP103',
  FileNotFound: 'MP104',
  BadUsage: 'MP105',
  NotOnnx: 'MP201',
  TruncatedOnnx: 'MP202',
  UnsupportedIrVersion: 'MP203',
  UnsupportedOpset: 'MP204',
  ExternalData: 'MP205',
  UnsupportedDomain: 'MP206',
  MalformedGraph: 'MP207',
  GraphCycle: 'MP208',
  DanglingInput: 'MP209',
  BadTflite: 'MP210',
  UnsupportedOp: 'MP301',
  SymbolicDim: 'MP302',
  ShapeMismatch: 'MP303',
  BadDimension: 'MP304',
  TooLarge: 'MP305',
  BadAttribute: 'MP306',
  UnsupportedDtype: 'MP307',
  DoesNotFit: 'MP401',
  Headroom: 'MP403',
  VerifyFailed: 'MP404',
  BadTarget: 'MP501',
  BadBufferSet: 'MP601',
  CodegenUnsupported: 'MP701',
  Internal: 'MP901',
} as const;

export type Code = (typeof Codes)[keyof typeof Codes];

/**
 * The message of each code: `{name}` is a named parameter, filled by formatMessage. A code that
 * covers many different checks (a shape mismatch, a bad attribute, ...) has the template `{detail}`:
 * one sentence saying which check failed; the location (file, node, op, flag) is added by
 * formatDiagnostic. The text is what memplan has always printed, byte for byte.
 */
export const TEMPLATES = {
  MP101: '{detail}',
  MP102: "invalid size '{text}' for {flag}: {rule}",
  MP103: '{detail}',
  MP104: "cannot read '{path}': {reason}",
  MP105: '{detail}',
  MP201: '{detail}',
  MP202: '{detail}',
  MP203: 'ONNX IR version {version} is not supported (supported: {min} to {max})',
  MP204: '{detail}',
  MP205: '{what} keeps its data in an external file; models with external data are not supported',
  MP206: '{detail}',
  MP207: '{detail}',
  MP208: '{detail}',
  MP209: '{detail}',
  MP210: '{detail}',
  MP301: '{detail}',
  MP302: '{detail}',
  MP303: '{detail}',
  MP304: '{detail}',
  MP305: '{detail}',
  MP306: '{detail}',
  MP307: '{detail}',
  MP401: 'does not fit: {detail}',
  MP403: 'does not fit: {detail}',
  MP404: '{issue}',
  MP501: 'target file {problem}',
  MP601: '{detail}',
  MP701: 'cannot generate C{forNode}: {why}',
  MP901: '{what}',
} as const satisfies Record<Code, string>;

/** The parameter names of a template: `'a {x} b {y}'` -> `'x' | 'y'`. */
type ParamNames<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | ParamNames<Rest> : never;

/** The named parameters of a code's template. */
export type TemplateParams<C extends Code> = { readonly [K in ParamNames<(typeof TEMPLATES)[C]>]: string | number };

/** Codes whose template is the free sentence `{detail}`. */
export type DetailCode = { [C in Code]: (typeof TEMPLATES)[C] extends '{detail}' ? C : never }[Code];

/** The message of `code` with its parameters filled in. */
export function formatMessage<C extends Code>(code: C, params: TemplateParams<C>): string {
  const values = params as Readonly<Record<string, string | number>>;
  return TEMPLATES[code].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]));
}
