/**
 * Bytes -> ONNX ModelProto (protobuf decoding and model-level checks only; no file system).
 *
 * The schema is onnx-proto's (ONNX IR v8). Fields added by IR 9 and 10 are unknown to it and are skipped
 * by the protobuf reader, which is harmless: memplan needs none of them. Element types added by IR 9/10
 * (float8, int4) are plain enum numbers and are handled by onnx-tensor.ts.
 */
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { Codes } from '../diagnostics/codes.js';
import { InputError, UnsupportedError } from '../diagnostics/errors.js';
import { hasExternalData, longToNumber } from './onnx-tensor.js';
import { MS_QUANT_OPS } from './shape-inference/ms-quant.js';

export type ModelProto = onnx.ModelProto;
export type GraphProto = onnx.IGraphProto;
export type NodeProto = onnx.INodeProto;
export type TensorProto = onnx.ITensorProto;
export type ValueInfoProto = onnx.IValueInfoProto;

/** The protobuf message classes (for tests and tools that build models). */
export const OnnxProto = onnxProto.onnx;

export const MIN_IR_VERSION = 3;
export const MAX_IR_VERSION = 10;
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

/** True for the default ONNX domain, spelled '' or 'ai.onnx'. */
export function isDefaultDomain(domain: string | null | undefined): boolean {
  return domain === undefined || domain === null || domain === '' || domain === 'ai.onnx';
}

/**
 * Decodes and checks an ONNX model: IR version 3..10, a default-domain opset 7..21, no external data,
 * no node of another domain. Every failure is an InputError / UnsupportedError with a one-line message.
 */
export function decodeModel(bytes: Uint8Array, fileName: string): ModelProto {
  const file = { file: fileName };
  if (bytes.length === 0) {
    throw InputError.one(Codes.NotOnnx, 'the file is empty, not an ONNX model', file);
  }
  let model: ModelProto;
  try {
    model = OnnxProto.ModelProto.decode(bytes);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/index out of range/i.test(text)) {
      throw InputError.one(Codes.TruncatedOnnx, 'the ONNX file is truncated (a protobuf field runs past the end)', file);
    }
    throw InputError.one(Codes.NotOnnx, `not a valid ONNX protobuf file (${text.split('\n')[0]})`, file);
  }
  const graph = model.graph;
  if (!graph) {
    throw InputError.one(Codes.NotOnnx, 'not an ONNX model: no graph', file);
  }
  const ir = longToNumber(model.irVersion ?? 0);
  if (!(ir >= MIN_IR_VERSION && ir <= MAX_IR_VERSION)) {
    throw UnsupportedError.of(Codes.UnsupportedIrVersion, { version: String(ir), min: MIN_IR_VERSION, max: MAX_IR_VERSION }, file);
  }
  opsetVersionOf(model, fileName);
  checkDepth(graph, fileName, 0);
  checkExternalData(graph, fileName);
  checkDomains(graph, model, fileName);
  return model;
}

/** The model's default-domain opset version (checked to be within 7..21). */
export function opsetVersionOf(model: ModelProto, fileName: string): number {
  let version: number | undefined;
  for (const o of model.opsetImport ?? []) {
    if (isDefaultDomain(o.domain)) version = longToNumber(o.version ?? 0);
  }
  if (version === undefined) {
    throw UnsupportedError.one(Codes.UnsupportedOpset, 'the model imports no default-domain (ai.onnx) opset', {
      file: fileName,
    });
  }
  if (!(version >= MIN_OPSET && version <= MAX_OPSET)) {
    throw UnsupportedError.one(
      Codes.UnsupportedOpset,
      `default-domain opset ${version} is not supported (supported: ${MIN_OPSET} to ${MAX_OPSET})`,
      { file: fileName },
    );
  }
  return version;
}

/** The subgraphs (If branches, Loop/Scan bodies) held by a node's attributes. */
export function* subgraphsOf(node: NodeProto): Generator<GraphProto> {
  for (const a of node.attribute ?? []) {
    if (a.g) yield a.g;
    for (const g of a.graphs ?? []) yield g;
  }
}

function externalError(t: TensorProto, fileName: string, node?: NodeProto): UnsupportedError {
  return UnsupportedError.of(
    Codes.ExternalData,
    { what: `tensor '${t.name ?? ''}'` },
    { file: fileName, ...(node ? { node: node.name ?? '', opType: node.opType ?? '' } : {}) },
  );
}

/** Subgraphs (If/Loop/Scan bodies) nested deeper than this are rejected as malformed. */
export const MAX_SUBGRAPH_DEPTH = 32;

function checkDepth(graph: GraphProto, fileName: string, depth: number): void {
  if (depth > MAX_SUBGRAPH_DEPTH) {
    throw InputError.one(Codes.MalformedGraph, `subgraphs are nested more than ${MAX_SUBGRAPH_DEPTH} levels deep`, {
      file: fileName,
    });
  }
  for (const node of graph.node ?? []) for (const g of subgraphsOf(node)) checkDepth(g, fileName, depth + 1);
}

function checkExternalData(graph: GraphProto, fileName: string): void {
  for (const t of graph.initializer ?? []) if (hasExternalData(t)) throw externalError(t, fileName);
  for (const s of graph.sparseInitializer ?? []) {
    for (const t of [s.values, s.indices]) if (t && hasExternalData(t)) throw externalError(t, fileName);
  }
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      for (const t of [a.t, ...(a.tensors ?? [])]) if (t && hasExternalData(t)) throw externalError(t, fileName, node);
    }
    for (const g of subgraphsOf(node)) checkExternalData(g, fileName);
  }
}

function checkDomains(graph: GraphProto, model: ModelProto, fileName: string): void {
  for (const node of graph.node ?? []) {
    // onnxruntime's quantized contrib ops are read as integer layers (frontend/qdq).
    const contrib = node.domain === 'com.microsoft' && Object.prototype.hasOwnProperty.call(MS_QUANT_OPS, node.opType ?? '');
    if (!isDefaultDomain(node.domain) && !contrib) {
      const domain = node.domain ?? '';
      const local = (model.functions ?? []).some((f) => f.name === node.opType && f.domain === domain);
      throw UnsupportedError.one(
        Codes.UnsupportedDomain,
        `node '${node.name ?? ''}' uses op ${node.opType ?? ''} of domain '${domain}'` +
          (local ? ' (a model-local function)' : '') +
          '; only the default ONNX domain is supported',
        { file: fileName, node: node.name ?? '', opType: node.opType ?? '' },
      );
    }
    for (const g of subgraphsOf(node)) checkDomains(g, model, fileName);
  }
}
