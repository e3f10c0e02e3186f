/** The strategy registry: every strategy by name, all with the PackStrategy signature. */
import { PlannerError } from './errors.js';
import type { StrategyName } from './types.js';
import type { PackStrategy } from './problem.js';
import { AUTO_HEURISTICS, autoPack } from './auto.js';
import { hillClimbPack } from './hill-climb.js';
import { exactPack } from './exact.js';
import { ilpPack } from './ilp/ilp-strategy.js';

export const STRATEGIES: ReadonlyMap<StrategyName, PackStrategy> = new Map<StrategyName, PackStrategy>([
  ['auto', autoPack],
  // The fast heuristics (greedy-size, greedy-conflicts, greedy-breadth, greedy-lifetime, best-fit).
  ...AUTO_HEURISTICS,
  ['hill-climb', hillClimbPack],
  ['exact', exactPack],
  ['ilp', ilpPack],
]);

export const DEFAULT_STRATEGY: StrategyName = 'auto';

/** Every registered strategy name, in registry order. */
export const STRATEGY_NAMES: readonly StrategyName[] = [...STRATEGIES.keys()];

/** True when `name` is a registered strategy. */
export function isStrategyName(name: string): name is StrategyName {
  return STRATEGIES.has(name as StrategyName);
}

/** The strategy called `name`; PlannerError `unknown-strategy` listing the valid names otherwise. */
export function strategyByName(name: string): PackStrategy {
  const s = STRATEGIES.get(name as StrategyName);
  if (s === undefined) {
    throw new PlannerError(
      'unknown-strategy',
      `unknown strategy '${name}'; valid strategies: ${STRATEGY_NAMES.join(', ')}`,
      { strategy: name, validStrategies: STRATEGY_NAMES },
    );
  }
  return s;
}
