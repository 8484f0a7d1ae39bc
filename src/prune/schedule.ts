// Sparsity schedules: the target after each of n pruning steps.
//   one-shot: the final sparsity at once;
//   iterative: equal steps of kept fraction (geometric: each step keeps the same share);
//   AGP (Zhu & Gupta 2017): s_t = s_f + (s_i − s_f)·(1 − t/n)³, t = 1 … n.

export type SparsitySchedule =
  | { kind: 'one-shot' }
  | { kind: 'iterative'; steps: number }
  | { kind: 'agp'; steps: number; initial?: number };

/** Sparsity targets, one per pruning step, ending at `final`. */
export function sparsityTargets(final: number, schedule: SparsitySchedule): number[] {
  if (typeof final !== 'number') throw new TypeError(`sparsityTargets: 'final' must be a number, got ${typeof final}`);
  if (typeof schedule !== 'object' || schedule === null) throw new TypeError(`sparsityTargets: 'schedule' must be an object like { kind: 'iterative', steps: 3 }, got ${schedule === null ? 'null' : typeof schedule}`);
  if (!(final >= 0 && final < 1)) throw new RangeError(`sparsity must be in [0, 1), got ${final}`);
  if (schedule.kind === 'one-shot') return [final];
  const n = schedule.steps;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`schedule '${schedule.kind}': 'steps' must be an integer ≥ 1, got ${n}`);
  if (schedule.kind === 'iterative') {
    // Keep (1 − final)^(t/n) of the weights after step t.
    return Array.from({ length: n }, (_, i) => 1 - (1 - final) ** ((i + 1) / n));
  }
  if (schedule.kind === 'agp') {
    const si = schedule.initial ?? 0;
    if (!(si >= 0 && si <= final)) throw new RangeError(`schedule 'agp': 'initial' must be in [0, ${final}], got ${si}`);
    return Array.from({ length: n }, (_, i) => final + (si - final) * (1 - (i + 1) / n) ** 3);
  }
  throw new RangeError(`schedule: kind must be one-shot, iterative or agp; got '${(schedule as { kind: string }).kind}'`);
}
