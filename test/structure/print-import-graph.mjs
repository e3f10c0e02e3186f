// Prints the import graph summary of src/, planner/ and reports/ (area edges, module cycles, area
// cycles), as the note of issue 13 quotes it: `node test/structure/print-import-graph.mjs`.
import { register } from 'node:module';
register('../fuzz/ts-loader.mjs', import.meta.url);
const m = await import('../helpers/import-graph.ts');
process.stdout.write(m.summary(m.importGraph()));
