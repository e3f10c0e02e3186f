/**
 * The plan JSON of DESIGN.md (`memplan plan --format json`): schemaVersion 1, keys in the documented
 * order, 2-space indent, trailing newline. Offsets and sizes are exact integer bytes.
 */
import type { PlanResult } from '../../planner/types.js';

export const PLAN_SCHEMA_VERSION = 1;

/** Serialises a plan; the same plan always gives the same text. */
export function planToJson(plan: PlanResult): string {
  const document = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    strategy: plan.strategy,
    fits: plan.fits,
    optimal: plan.optimal,
    pools: plan.pools.map((pool) => ({
      name: pool.name,
      sizeBytes: pool.sizeBytes,
      usedBytes: pool.usedBytes,
      lowerBoundBytes: pool.lowerBoundBytes,
    })),
    allocations: plan.allocations.map((allocation) => ({
      name: allocation.name,
      pool: allocation.pool,
      offset: allocation.offsetBytes,
      sizeBytes: allocation.sizeBytes,
    })),
    unplaced: [...plan.unplaced],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
