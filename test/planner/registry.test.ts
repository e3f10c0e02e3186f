import { describe, it, expect } from 'vitest';
import { STRATEGIES, STRATEGY_NAMES, DEFAULT_STRATEGY, strategyByName } from '../../planner/index.js';
import { PlannerError } from '../../planner/errors.js';

describe('strategy registry', () => {
  it('registers every strategy of the contract, auto by default', () => {
    expect(STRATEGY_NAMES).toEqual(['auto', 'greedy-size', 'greedy-conflicts', 'greedy-breadth', 'greedy-lifetime', 'best-fit', 'hill-climb', 'exact', 'ilp']);
    expect(DEFAULT_STRATEGY).toBe('auto');
    for (const name of STRATEGY_NAMES) expect(strategyByName(name)).toBe(STRATEGIES.get(name));
  });

  it('rejects an unknown name (unknown-strategy) listing the valid ones', () => {
    try {
      strategyByName('greedy-magic');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PlannerError);
      const err = e as PlannerError;
      expect(err.kind).toBe('unknown-strategy');
      expect(err.details).toEqual({ strategy: 'greedy-magic', validStrategies: STRATEGY_NAMES });
      expect(err.message).toContain("unknown strategy 'greedy-magic'");
      expect(err.message).toContain('auto, greedy-size, greedy-conflicts');
    }
  });
});
