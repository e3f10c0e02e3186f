/** `memplan plan FILE`: plans a buffer set (DESIGN.md JSON, MiniMalloc CSV, Glow trace). */
import * as path from 'node:path';
import type { Host } from '../../host.js';
import type { PlanCommand } from '../args.js';
import type { CliResult } from '../command-context.js';
import { readTextFile } from '../command-context.js';
import { planToJson, readBufferSets } from '../../bufferset/index.js';
import { planOptions } from '../../schedule/schedule-graph.js';
import type { PlanResult, Pool } from '../../../planner/types.js';
import { planMemory } from '../../../planner/index.js';
import { renderPlanCsv, renderPlanTable } from '../../../reports/plan-table.js';
import { ConfigError, InputError } from '../../diagnostics/errors.js';
import { Codes, formatMessage } from '../../diagnostics/codes.js';
import { rethrowPlannerError } from '../../diagnostics/planner-errors.js';

export async function runPlan(cmd: PlanCommand, host: Host): Promise<CliResult> {
  const fileName = path.basename(cmd.file);
  const text = readTextFile(host, cmd.file, (file) => InputError.one(Codes.BadBufferSet, 'buffer-set file is not UTF-8 text', { file }));
  const { format, sets: read } = readBufferSets(text, fileName);
  const sets = read.map((s) => ({ ...s, pools: withCapacities(s.pools, cmd.capacities) }));
  const plans: PlanResult[] = [];
  for (const s of sets) {
    plans.push(
      await planMemory(s.buffers, s.pools, planOptions(cmd, cmd.timeLimitMs)).catch(rethrowPlannerError),
    );
  }
  if (cmd.format === 'json') {
    // DESIGN.md's plan JSON; a Glow trace (several models) gives one plan JSON per model, as a JSON array.
    if (format !== 'glow-trace') host.stdout(planToJson(plans[0]!));
    else host.stdout(`[\n${plans.map((p, i) => indent(planToJson(p).trimEnd(), sets[i]!.name)).join(',\n')}\n]\n`);
  } else if (cmd.format === 'csv') {
    host.stdout(renderPlanCsv(plans.map((plan, i) => ({ title: sets[i]!.name, plan, buffers: sets[i]!.buffers }))));
  } else {
    host.stdout(plans.map((p, i) => renderPlanTable(p, sets[i]!.buffers, sets[i]!.name)).join('\n'));
  }
  const failed = plans.findIndex((p) => !p.fits);
  if (failed >= 0) {
    const p = plans[failed]!;
    const over = p.pools.find((q) => q.sizeBytes !== null && q.usedBytes > q.sizeBytes);
    const detail = p.unplaced.length > 0
      ? `${p.unplaced.length} buffer(s) fit no candidate pool, first '${p.unplaced[0]}'`
      : over ? `pool '${over.name}' needs ${over.usedBytes} bytes but has ${over.sizeBytes}` : 'plan does not fit';
    host.stderr(`error ${Codes.DoesNotFit}: ${formatMessage(Codes.DoesNotFit, { detail })} (file ${fileName}${sets.length > 1 ? `, model ${sets[failed]!.name}` : ''})\n`);
    return { exitCode: 1 };
  }
  return { exitCode: 0 };
}

/** `--capacity POOL=SIZE` sets a pool's size; a pool the file does not have is an error naming the pools. */
function withCapacities(pools: readonly Pool[], capacities: PlanCommand['capacities']): Pool[] {
  for (const c of capacities) {
    if (!pools.some((p) => p.name === c.pool)) {
      throw ConfigError.one(Codes.BadFlag, `--capacity names pool '${c.pool}', which the buffer set does not have (pools: ${pools.map((p) => `'${p.name}'`).join(', ')})`, { flag: '--capacity' });
    }
  }
  return pools.map((p) => {
    const c = capacities.find((x) => x.pool === p.name);
    return c ? { ...p, sizeBytes: c.sizeBytes } : p;
  });
}

function indent(json: string, title: string): string {
  const obj = JSON.parse(json) as Record<string, unknown>;
  return JSON.stringify({ model: title, ...obj }, null, 2).replace(/^/gm, '  ');
}
