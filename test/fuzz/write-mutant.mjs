// Writes one mutant of the byte-level fuzz campaign to a file, to reproduce a failing run:
//   node test/fuzz/write-mutant.mjs MODEL.onnx SEED INDEX [OUT.onnx]
// then run memplan on OUT with the argv the failure message shows. MODEL's file name (not its
// directory) selects the mutant stream, exactly as in test/fuzz/mutate-models.test.ts.
import { register } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

register('./ts-loader.mjs', import.meta.url);
const { mutants } = await import('./mutations.js');

const [model, seedText, indexText, out] = process.argv.slice(2);
if (!model || seedText === undefined || indexText === undefined) {
  console.error('usage: node test/fuzz/write-mutant.mjs MODEL.onnx SEED INDEX [OUT.onnx]');
  process.exit(2);
}
const name = basename(model);
const index = Number(indexText);
const seed = Number(seedText);
for (const m of mutants(new Uint8Array(readFileSync(model)), name, seed)) {
  if (m.index < index) continue;
  const file = out ?? join(tmpdir(), `${name.replace(/\.onnx$/, '')}-${seed}-${index}.onnx`);
  writeFileSync(file, m.bytes);
  console.log(`${file}: ${m.kind}, ${m.what}`);
  break;
}
