import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // `*.slow.test.ts` runs only in `npm run test:slow` (MEMPLAN_SLOW=1): left out of the default run
    // instead of skipped, so a slow file is either run in full or not collected, never skipped inside.
    exclude: process.env.MEMPLAN_SLOW ? [...configDefaults.exclude] : [...configDefaults.exclude, 'test/**/*.slow.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // One test file per core. vitest's default is one fewer worker than cores, which on a 2-core
    // machine runs the files one at a time: most of the suite is gcc, onnxruntime and the planner,
    // all CPU-bound in the workers (the main process only collects results).
    maxWorkers: availableParallelism(),
  },
});
