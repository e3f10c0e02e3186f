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
