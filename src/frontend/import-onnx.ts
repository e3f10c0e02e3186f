/**
 * ONNX model bytes -> Graph IR: decoding, constants (initializers, `Constant`), runtime inputs with
 * their symbolic dimensions fixed, a stable topological order, per-op shape inference and constant
 * folding (DESIGN.md liveness convention: constant subgraphs become weights, `Shape`/`Size` of a static
 * shape are constants).
 *
 * Control flow: `Loop` and `Scan` are not supported (UnsupportedError MP301). An `If` whose condition
 * folds to a constant is replaced by its taken branch; an `If` whose condition is computed at run time
 * is not supported (MP301). (openWakeWord's hey_jarvis and silero_vad have such run-time conditions.)
 *
 * Nodes run in the model's order when it is valid, else in a stable topological order. Runtime nodes
 * are never dropped, even when nothing reads their outputs. A dim_value of 0 on a graph input is read
 * as "unknown" (MP302, fixable with --input); zero-size tensors are accepted where a shape function or
 * a constant produces them.
 */
import { Codes } from '../diagnostics/codes.js';
import type { Diagnostic, Location } from '../diagnostics/diagnostic.js';
import { ConfigError, InputError, InternalError, MemplanError, UnsupportedError } from '../diagnostics/errors.js';
import type { AttrValue, ConstTensor, DType, Graph, OpNode, TensorInfo, TensorKind } from '../ir/graph.js';
import { byteSize, elementCountOf, formatShape } from '../ir/graph.js';
import type { OrderItem } from '../ir/graph-order.js';
import { producersOf, topologicalOrder } from '../ir/graph-order.js';
import { checkShape, tryFold } from './fold-constants.js';
import { foldQdq } from './qdq/fold-qdq.js';
import type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from './onnx-decode.js';
import { decodeModel, opsetVersionOf, subgraphsOf } from './onnx-decode.js';
import { attributesFromProto, dtypeFromOnnx, longToNumber, tensorFromProto } from './onnx-tensor.js';
import { shapeFunctionFor } from './shape-inference/registry.js';
import type { NodeView, ValueInfo } from './shape-inference/types.js';

export interface ImportOptions {
  /** Shown in diagnostics. */
  readonly fileName: string;
  /** Shapes that fix the symbolic dimensions of runtime inputs (from `--input NAME=1x3x48x192`). */
  readonly inputShapes?: ReadonlyMap<string, readonly number[]>;
}

/** Decodes and imports an ONNX model. Every problem with the model is a MemplanError with one line. */
export function importOnnx(bytes: Uint8Array, options: ImportOptions): Graph {
  try {
    return foldQdq(importModel(decodeModel(bytes, options.fileName), options));
  } catch (e) {
    if (e instanceof MemplanError) throw printable(e);
    throw e;
  }
}

/** Escapes control characters (a corrupted name may hold a newline) and shortens very long names. */
function printableText(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 400 ? `${escaped.slice(0, 400)}...` : escaped;
}

/** The same error with every message and location field made single-line and printable. */
function printable(e: MemplanError): MemplanError {
  const diagnostics: Diagnostic[] = e.diagnostics.map((d) => {
    const location: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.location ?? {})) if (typeof v === 'string') location[k] = printableText(v);
    return { ...d, message: printableText(d.message), ...(d.location ? { location } : {}) };
  });
  const Ctor = e.constructor as new (d: readonly Diagnostic[]) => MemplanError;
  return new Ctor(diagnostics);
}

/** A node of the model with its final name and converted attributes. */
interface NodeRecord extends NodeView {
  /** Tensors read implicitly by subgraphs (outer-scope references); used for ordering only. */
  readonly implicitInputs: readonly string[];
}

const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);

/** Imports an already decoded (and checked, see decodeModel) ModelProto. */
export function importModel(model: ModelProto, options: ImportOptions): Graph {
  const fileName = options.fileName;
  const file: Location = { file: fileName };
  const graph = model.graph;
  if (!graph) throw InputError.one(Codes.NotOnnx, 'not an ONNX model: no graph', file);
  const opsetVersion = opsetVersionOf(model, fileName);

  const importer = new Importer(fileName, opsetVersion);
  importer.addInitializers(graph);
  const inputs = importer.addRuntimeInputs(graph, options.inputShapes ?? new Map());
  const records = nameNodes(graph.node ?? [], fileName);
  importer.walk(records, graph);

  // walk() has checked (before running any node) that every graph output is produced or known.
  const outputs = (graph.output ?? []).map((o) => o.name ?? '');
  return importer.finish(graph, model, inputs, outputs);
}

/** Node names: the model's, or `<opType>_<index>` when empty; duplicates get `_2`, `_3`, ... */
function nameNodes(nodes: readonly NodeProto[], fileName: string): NodeRecord[] {
  const used = new Set<string>();
  const named = nodes.map((n, i) => {
    const opType = n.opType ?? '';
    if (opType === '') {
      throw InputError.one(Codes.MalformedGraph, `node ${i} ('${n.name ?? ''}') has no op type`, { file: fileName });
    }
    return n.name && n.name !== '' ? n.name : `${opType}_${i}`;
  });
  const taken = new Set(named);
  return nodes.map((n, i) => {
    let name = named[i] as string;
    if (used.has(name)) {
      let k = 2;
      while (taken.has(`${name}_${k}`) || used.has(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    used.add(name);
    const where: Location = { file: fileName, node: name, opType: n.opType ?? '' };
    return {
      name,
      opType: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes: attributesFromProto(n.attribute, where),
      implicitInputs: outerReferences(n),
    };
  });
}

/** Names a node's subgraphs read from enclosing scopes (not defined inside the subgraph). */
function outerReferences(node: NodeProto): string[] {
  const refs = new Set<string>();
  const visit = (g: GraphProto, outer: ReadonlySet<string>): void => {
    const defined = new Set<string>(outer);
    for (const t of g.initializer ?? []) defined.add(t.name ?? '');
    for (const i of g.input ?? []) defined.add(i.name ?? '');
    for (const n of g.node ?? []) for (const o of n.output ?? []) defined.add(o);
    const read = (name: string): void => {
      if (name !== '' && !defined.has(name)) refs.add(name);
    };
    for (const n of g.node ?? []) {
      for (const i of n.input ?? []) read(i);
      for (const sub of subgraphsOf(n)) visit(sub, defined);
    }
    for (const o of g.output ?? []) read(o.name ?? '');
  };
  for (const g of subgraphsOf(node)) visit(g, new Set());
  return [...refs];
}

/** What ordering sees of each record: its explicit and implicit (subgraph) reads. */
function orderItems(records: readonly NodeRecord[]): OrderItem[] {
  return records.map((r) => ({ name: r.name, inputs: [...r.inputs, ...r.implicitInputs], outputs: r.outputs }));
}

/** Adds the file to a diagnostic from a shape function (which knows only the node). */
function withFile(e: MemplanError, fileName: string): MemplanError {
  const diagnostics: Diagnostic[] = e.diagnostics.map((d) => ({
    ...d,
    location: { file: fileName, ...(d.location ?? {}) },
  }));
  const Ctor = e.constructor as new (d: readonly Diagnostic[]) => MemplanError;
  return new Ctor(diagnostics);
}

class Importer {
  /** What is known of every tensor seen so far (constants carry `value`). */
  readonly values = new Map<string, ValueInfo>();
  /** Runtime nodes in execution order. */
  readonly nodes: OpNode[] = [];
  private readonly file: Location;
  /** Static shapes the model declares in value_info (checked against inference). */
  private readonly declared = new Map<string, ValueInfoProto>();
  /** Names used by inlined If branches, to keep them unique. */
  private inlineCounter = 0;
  /** For each tensor a runtime node computed: the tensors that node read (to trace an If's condition). */
  private readonly readsOf = new Map<string, readonly string[]>();
  /** The graph's runtime inputs, in order. */
  private runtimeInputs: readonly string[] = [];

  constructor(
    readonly fileName: string,
    readonly opsetVersion: number,
  ) {
    this.file = { file: fileName };
  }

  addInitializers(graph: GraphProto): void {
    for (const s of graph.sparseInitializer ?? []) {
      const name = s.values?.name ?? '';
      throw UnsupportedError.one(Codes.UnsupportedOp, `sparse initializer '${name}' is not supported`, this.file);
    }
    for (const t of graph.initializer ?? []) {
      const name = t.name ?? '';
      if (name === '') throw InputError.one(Codes.MalformedGraph, 'an initializer has no name', this.file);
      if (this.values.has(name)) {
        throw InputError.one(Codes.MalformedGraph, `initializer '${name}' is given twice`, this.file);
      }
      this.setConstant(name, tensorFromProto(t, this.file));
    }
    for (const v of graph.valueInfo ?? []) if (v.name) this.declared.set(v.name, v);
  }

  /** Graph inputs that are not initializers, with their shapes fixed. */
  addRuntimeInputs(graph: GraphProto, inputShapes: ReadonlyMap<string, readonly number[]>): string[] {
    const runtime = (graph.input ?? []).filter((i) => !this.values.has(i.name ?? ''));
    const names = runtime.map((i) => i.name ?? '');
    this.runtimeInputs = names;
    const seen = new Set<string>();
    for (const n of names) {
      if (n === '') throw InputError.one(Codes.MalformedGraph, 'a graph input has no name', this.file);
      if (seen.has(n)) throw InputError.one(Codes.MalformedGraph, `graph input '${n}' is listed twice`, this.file);
      seen.add(n);
    }
    for (const given of inputShapes.keys()) {
      if (!seen.has(given)) {
        throw ConfigError.one(
          Codes.BadInputSpec,
          `--input names '${given}', which is not a runtime input of the model (inputs: ${names.map((n) => `'${n}'`).join(', ') || 'none'})`,
          { ...this.file, flag: '--input' },
        );
      }
    }
    // Every input with unknown dimensions is reported at once, with one --input line that fixes them all.
    const unknown: { problem: string; name: string; dims?: readonly { value?: number; param: string }[] }[] = [];
    for (const input of runtime) {
      const name = input.name ?? '';
      const tensorType = input.type?.tensorType;
      if (!tensorType) {
        throw UnsupportedError.one(Codes.UnsupportedDtype, `graph input '${name}' is not a tensor`, this.file);
      }
      const dtype = dtypeFromOnnx(tensorType.elemType ?? 0, this.file);
      const shape = this.inputShape(name, tensorType.shape?.dim ?? undefined, tensorType.shape != null, inputShapes.get(name));
      if ('problem' in shape) {
        unknown.push(shape);
        continue;
      }
      checkShape(shape, dtype, `graph input '${name}'`, this.file);
      this.values.set(name, { dtype, shape });
    }
    if (unknown.length > 0) {
      // An unknown dim 0 is a batch of one; a symbolic name that is a batch somewhere is 1 everywhere.
      const ones = new Set(unknown.flatMap((u) => (u.dims && u.dims.length > 1 && u.dims[0]!.value === undefined && u.dims[0]!.param !== '' ? [u.dims[0]!.param] : [])));
      const fixOf = (u: (typeof unknown)[number]) =>
        u.dims === undefined
          ? `--input ${u.name}=<its real shape, e.g. 1x3x224x224>`
          : `--input ${u.name}=${u.dims
              .map((d, i) => (d.value !== undefined ? String(d.value) : (i === 0 && u.dims!.length > 1) || ones.has(d.param) ? '1' : `<${d.param || `dim${i}`}>`))
              .join('x')}`;
      const which = unknown.length === 1 ? '' : `${unknown.length} inputs have unknown dimensions: `;
      throw UnsupportedError.one(
        Codes.SymbolicDim,
        `${which}${unknown.map((u) => u.problem).join('; ')}; fix ${unknown.length === 1 ? 'it' : 'them'} with ${unknown.map(fixOf).join(' ')} (replace each <name> by its real size; an unknown batch dimension is taken as 1)`,
        this.file,
      );
    }
    return names;
  }

  private inputShape(
    name: string,
    dims: readonly { dimValue?: unknown; dimParam?: string | null }[] | undefined,
    hasShape: boolean,
    given: readonly number[] | undefined,
  ): number[] | { readonly problem: string; readonly name: string; readonly dims?: readonly { value?: number; param: string }[] } {
    // A dim_value of 0 on a graph input is what several exporters write for "unknown": it is treated as
    // an unknown dimension (fixable with --input), never as a zero-size input. Zero-size tensors are
    // accepted only where a shape function produces them (e.g. an empty Slice).
    const modelDims = (dims ?? []).map((d) => {
      const v = isSet(d) ? longToNumber(d.dimValue as number) : undefined;
      return { value: v === 0 ? undefined : v, param: d.dimParam ?? '', zero: v === 0 };
    });
    if (given) {
      if (hasShape && given.length !== modelDims.length) {
        throw ConfigError.one(
          Codes.BadInputSpec,
          `--input ${name}=${formatShape(given)} has rank ${given.length} but input '${name}' has rank ${modelDims.length}`,
          { ...this.file, flag: '--input' },
        );
      }
      given.forEach((g, i) => {
        const m = modelDims[i]?.value;
        if (!Number.isSafeInteger(g) || g < 1) {
          throw ConfigError.one(Codes.BadInputSpec, `--input ${name}: dimension ${g} is not a positive integer`, {
            ...this.file,
            flag: '--input',
          });
        }
        if (m !== undefined && m > 0 && m !== g) {
          throw ConfigError.one(
            Codes.BadInputSpec,
            `--input ${name}=${formatShape(given)} conflicts with the model's dimension ${i} of ${m}`,
            { ...this.file, flag: '--input' },
          );
        }
      });
      return [...given];
    }
    if (!hasShape) {
      return { problem: `input '${name}' has no shape in the model`, name };
    }
    const missing: string[] = [];
    modelDims.forEach((d, i) => {
      if (d.value === undefined) {
        missing.push(
          `${d.param !== '' ? `symbolic dimension '${d.param}'` : d.zero ? 'a zero-size dimension, which memplan treats as unknown' : 'an unknown dimension'} (dim ${i})`,
        );
      } else if (d.value < 0) {
        throw InputError.one(Codes.BadDimension, `input '${name}' has a negative dimension ${d.value} (dim ${i})`, this.file);
      }
    });
    if (missing.length > 0) return { problem: `input '${name}' has ${missing.join(' and ')}`, name, dims: modelDims };
    return modelDims.map((d) => d.value!);
  }

  /** Orders and processes the nodes of the main graph. */
  walk(records: readonly NodeRecord[], graph: GraphProto): void {
    const items = orderItems(records);
    const producers = producersOf(items, this.file);
    this.checkDangling(records, items, producers, graph);
    for (const i of topologicalOrder(items, this.file, producers)) this.processNode(records[i] as NodeRecord);
  }

  private checkDangling(
    records: readonly NodeRecord[],
    items: readonly OrderItem[],
    producers: ReadonlyMap<string, number>,
    graph: GraphProto,
  ): void {
    for (const [name, i] of producers) {
      if (this.values.has(name)) {
        const r = records[i] as NodeRecord;
        throw InputError.one(
          Codes.MalformedGraph,
          `node '${r.name}' writes '${name}', which is already a graph input or initializer`,
          { ...this.file, node: r.name, opType: r.opType },
        );
      }
    }
    this.checkReads(records, items, producers, 'which no node produces and which is not a graph input or initializer');
    for (const o of graph.output ?? []) {
      const name = o.name ?? '';
      if (!producers.has(name) && !this.values.has(name)) {
        throw InputError.one(Codes.DanglingInput, `graph output '${name}' is produced by no node`, this.file);
      }
    }
  }

  /** Every tensor a node reads (items[i] for records[i]) must be produced by a node or already known. */
  private checkReads(
    records: readonly NodeRecord[],
    items: readonly OrderItem[],
    producers: ReadonlyMap<string, number>,
    missing: string,
  ): void {
    records.forEach((r, i) => {
      for (const input of (items[i] as OrderItem).inputs) {
        if (input !== '' && !producers.has(input) && !this.values.has(input)) {
          throw InputError.one(Codes.DanglingInput, `node '${r.name}' reads '${input}', ${missing}`, this.where(r));
        }
      }
    });
  }

  /** Records a constant tensor (initializer, folded output): its type, shape and value. */
  private setConstant(name: string, value: ConstTensor): void {
    this.values.set(name, { dtype: value.dtype, shape: value.shape, value });
  }

  private where(node: NodeView): Location {
    return { ...this.file, node: node.name, opType: node.opType };
  }

  private processNode(node: NodeRecord): void {
    const where = this.where(node);
    const infos = node.inputs.map((name) => {
      if (name === '') return undefined;
      const v = this.values.get(name);
      if (!v) throw new InternalError(`input '${name}' of node '${node.name}' is not known when the node runs`);
      return v;
    });
    if (CONTROL_FLOW.has(node.opType)) {
      this.controlFlow(node, infos);
      return;
    }
    const ctx = { node, opsetVersion: this.opsetVersion, file: this.fileName };
    const folded = tryFold(ctx, infos);
    if (folded) {
      node.outputs.forEach((out, i) => {
        const t = folded[i];
        if (out !== '' && t) this.setConstant(out, t);
      });
      return;
    }
    const fn = shapeFunctionFor(node.opType, node.domain);
    if (!fn) {
      throw UnsupportedError.one(
        Codes.UnsupportedOp,
        `node '${node.name}' uses op ${node.opType} (domain ${node.domain === '' ? 'ai.onnx' : node.domain}), which memplan cannot size`,
        where,
      );
    }
    for (const out of node.outputs) if (out !== '') this.readsOf.set(out, [...node.inputs, ...node.implicitInputs]);
    let types;
    try {
      types = fn({ node, opsetVersion: this.opsetVersion }, infos);
    } catch (e) {
      if (e instanceof MemplanError) throw withFile(e, this.fileName);
      throw e;
    }
    node.outputs.forEach((out, i) => {
      if (out === '') return;
      const t = types[i];
      if (!t) {
        throw InputError.one(
          Codes.MalformedGraph,
          `node '${node.name}' declares ${node.outputs.length} outputs but ${node.opType} produces ${types.length}`,
          where,
        );
      }
      // The registry's checked() wrapper has already validated t (checkOutput: MP304/MP305).
      this.checkDeclared(out, t.dtype, t.shape, where);
      this.values.set(out, { dtype: t.dtype, shape: [...t.shape] });
    });
    this.nodes.push({
      name: node.name,
      opType: node.opType,
      domain: node.domain,
      inputs: node.inputs,
      outputs: node.outputs,
      attributes: node.attributes,
      step: this.nodes.length,
    });
  }

  /** A value_info entry with static dims must agree with the inferred shape. */
  private checkDeclared(name: string, dtype: DType, shape: readonly number[], where: Location): void {
    const v = this.declared.get(name);
    const tt = v?.type?.tensorType;
    if (!tt) return;
    if (tt.elemType && tt.elemType !== 0) {
      const declared = dtypeFromOnnx(tt.elemType, where);
      if (declared !== dtype) {
        throw InputError.one(
          Codes.ShapeMismatch,
          `tensor '${name}' is ${dtype} by inference but ${declared} in the model's value_info`,
          where,
        );
      }
    }
    const dims = tt.shape?.dim;
    if (!tt.shape || !dims) return;
    const same =
      dims.length === shape.length &&
      dims.every((d, i) => (isSet(d) && !d.dimParam ? longToNumber(d.dimValue as number) === shape[i] : true));
    if (!same) {
      const text = dims.map((d) => (isSet(d) && !d.dimParam ? String(longToNumber(d.dimValue as number)) : d.dimParam || '?')).join('x');
      throw InputError.one(
        Codes.ShapeMismatch,
        `tensor '${name}' has shape ${formatShape(shape)} by inference but ${text || 'scalar'} in the model's value_info`,
        where,
      );
    }
  }

  private controlFlow(node: NodeRecord, infos: readonly (ValueInfo | undefined)[]): void {
    const where = this.where(node);
    if (node.opType !== 'If') {
      throw UnsupportedError.one(Codes.UnsupportedOp, `node '${node.name}' is a ${node.opType}; loops are not supported`, where);
    }
    const cond = infos[0]?.value;
    if (!cond) {
      const inputs = this.graphInputsBehind(node.inputs[0] ?? '');
      const decided = inputs.length === 0 ? '' : `, decided by graph input${inputs.length === 1 ? '' : 's'} ${inputs.map((i) => `'${i}'`).join(', ')}`;
      throw UnsupportedError.one(
        Codes.UnsupportedOp,
        `If node '${node.name}' has a condition computed at run time${decided}; control flow (If/Loop/Scan) is not supported`,
        where,
      );
    }
    if (elementCountOf(cond.shape) !== 1) {
      throw InputError.one(Codes.ShapeMismatch, `If condition has ${elementCountOf(cond.shape)} elements, not 1`, where);
    }
    const c = cond.data.kind === 'splat' ? cond.data.value : cond.data.kind === 'dense' ? cond.data.values[0] : undefined;
    const branchName = c !== undefined && Number(c) !== 0 ? 'then_branch' : 'else_branch';
    const branch: AttrValue | undefined = node.attributes.get(branchName);
    if (!branch || branch.type !== 'graph') {
      throw InputError.one(Codes.BadAttribute, `If node '${node.name}' has no ${branchName}`, where);
    }
    this.inlineBranch(node, branch.value as GraphProto);
  }

  /** The runtime graph inputs a tensor's value depends on, in graph order (constants stop the walk). */
  private graphInputsBehind(tensor: string): string[] {
    const seen = new Set<string>();
    const stack = [tensor];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t === '' || seen.has(t) || this.values.get(t)?.value) continue;
      seen.add(t);
      for (const r of this.readsOf.get(t) ?? []) stack.push(r);
    }
    return this.runtimeInputs.filter((i) => seen.has(i));
  }

  /**
   * Replaces an If by its taken branch: the branch's initializers and nodes join the graph (names of
   * branch nodes are prefixed with the If's name); the branch outputs are renamed to the If's outputs.
   */
  private inlineBranch(node: NodeRecord, branch: GraphProto): void {
    const where = this.where(node);
    const branchOutputs = (branch.output ?? []).map((o) => o.name ?? '');
    if (branchOutputs.length !== node.outputs.length) {
      throw InputError.one(
        Codes.MalformedGraph,
        `If node '${node.name}' has ${node.outputs.length} outputs but its branch has ${branchOutputs.length}`,
        where,
      );
    }
    const rename = new Map<string, string>();
    const produced = new Set((branch.node ?? []).flatMap((n) => n.output ?? []));
    branchOutputs.forEach((b, i) => {
      if (produced.has(b)) rename.set(b, node.outputs[i] as string);
    });
    const r = (name: string): string => rename.get(name) ?? name;
    for (const t of branch.initializer ?? []) {
      const name = t.name ?? '';
      if (this.values.has(name)) {
        throw UnsupportedError.one(Codes.UnsupportedOp, `If branch initializer '${name}' shadows an outer name`, where);
      }
      this.setConstant(name, tensorFromProto(t, this.file));
    }
    const prefix = `${node.name}/${this.inlineCounter++}/`;
    const inner = nameNodes(branch.node ?? [], this.fileName).map((rec) => ({
      ...rec,
      name: prefix + rec.name,
      inputs: rec.inputs.map(r),
      outputs: rec.outputs.map(r),
    }));
    const items = orderItems(inner);
    const producers = producersOf(items, where);
    this.checkReads(inner, items, producers, 'which nothing produces');
    for (const i of topologicalOrder(items, where, producers)) this.processNode(inner[i] as NodeRecord);
    // Branch outputs that are outer or branch-constant tensors: the If output is that value.
    branchOutputs.forEach((b, i) => {
      const out = node.outputs[i] as string;
      if (rename.has(b) || out === '') return;
      const v = this.values.get(b);
      if (!v) throw InputError.one(Codes.DanglingInput, `If branch output '${b}' is produced by no node`, where);
      if (!v.value) {
        throw UnsupportedError.one(
          Codes.UnsupportedOp,
          `If node '${node.name}': the taken branch returns the run-time tensor '${b}' unchanged, which is not supported`,
          where,
        );
      }
      this.values.set(out, v);
    });
  }

  /**
   * Builds the Graph: `tensors` holds the runtime inputs and every output of every runtime node (graph
   * outputs included, unread outputs such as a Dropout mask included), in step order; `weights` holds
   * every constant a runtime node reads plus constant graph outputs, in order of first use.
   */
  finish(graph: GraphProto, model: ModelProto, inputs: readonly string[], outputs: readonly string[]): Graph {
    const outputSet = new Set(outputs);
    const tensors = new Map<string, TensorInfo>();
    const add = (name: string, kind: TensorKind): void => {
      const v = this.values.get(name);
      if (!v || v.value || tensors.has(name)) return;
      const elementCount = elementCountOf(v.shape);
      tensors.set(name, { name, dtype: v.dtype, shape: v.shape, elementCount, sizeBytes: byteSize(v.dtype, elementCount), kind });
    };
    for (const i of inputs) add(i, 'input');
    for (const n of this.nodes) for (const o of n.outputs) if (o !== '') add(o, outputSet.has(o) ? 'output' : 'activation');

    const weights = new Map<string, ConstTensor>();
    const addWeight = (name: string): void => {
      const v = this.values.get(name)?.value;
      if (v && !weights.has(name)) weights.set(name, v);
    };
    for (const n of this.nodes) for (const i of n.inputs) if (i !== '') addWeight(i);
    for (const o of outputs) addWeight(o);
    let weightBytes = 0;
    for (const w of weights.values()) weightBytes += byteSize(w.dtype, elementCountOf(w.shape));
    if (!Number.isSafeInteger(weightBytes)) {
      throw InputError.one(Codes.TooLarge, 'the weights add up to more than 2^53 bytes', this.file);
    }
    return {
      name: graph.name ?? '',
      irVersion: longToNumber(model.irVersion ?? 0),
      opsetVersion: this.opsetVersion,
      inputs,
      outputs,
      nodes: this.nodes,
      tensors,
      weights,
      weightBytes,
    };
  }
}

/** True when a protobuf dim has dim_value set (decoded messages default it to 0 on the prototype). */
function isSet(d: { dimValue?: unknown; dimParam?: string | null }): boolean {
  return Object.prototype.hasOwnProperty.call(d, 'dimValue') && d.dimValue !== null && d.dimValue !== undefined;
}
