// Whether a pruning run collapsed: its accuracy ended at or near chance, or fell by more than a
// threshold from the start. A pipeline marks its history with the finding, and the CLI warns, so a
// large compression ratio is never reported as a success on its own. Core code: no Node built-ins.

import type { Collapse, HistoryStep } from './history.js';

export interface CollapseThresholds {
  /** "Near chance": the final accuracy is below chance × this factor (default 1.5: 15 % with 10 classes). */
  chanceFactor: number;
  /** The largest fall from the first step's accuracy that is not a collapse, in [0, 1] (default 0.1, ten points). */
  maxDrop: number;
}

export const COLLAPSE_THRESHOLDS: CollapseThresholds = { chanceFactor: 1.5, maxDrop: 0.1 };

/** The collapse the steps show for a `classes`-way classifier, or undefined when the run held up. */
export function findCollapse(steps: readonly HistoryStep[], classes: number, thresholds: CollapseThresholds = COLLAPSE_THRESHOLDS): Collapse | undefined {
  if (!Array.isArray(steps)) throw new TypeError(`findCollapse: 'steps' must be an array of history steps, got ${typeof steps}`);
  if (!(Number.isInteger(classes) && classes >= 2)) throw new RangeError(`findCollapse: 'classes' must be an integer ≥ 2, got ${classes}`);
  if (steps.length === 0) return undefined;
  const start = steps[0].accuracy;
  const accuracy = steps[steps.length - 1].accuracy;
  const chance = 1 / classes;
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  if (accuracy < chance * thresholds.chanceFactor) {
    return {
      reason: 'chance', accuracy, start, chance,
      message: `accuracy ended at ${pct(accuracy)}, at or near chance (${pct(chance)} for ${classes} classes; started at ${pct(start)}): the pruned model does not work`,
    };
  }
  if (start - accuracy > thresholds.maxDrop) {
    return {
      reason: 'drop', accuracy, start, chance,
      message: `accuracy fell ${(100 * (start - accuracy)).toFixed(2)} points, from ${pct(start)} to ${pct(accuracy)} (more than ${+(100 * thresholds.maxDrop).toFixed(2)}): the run lost most of what the model knew`,
    };
  }
  return undefined;
}
