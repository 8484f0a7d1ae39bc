// A proximal step after every optimiser step, for penalties without a gradient at 0: the group
// lasso λ·Σ_g ‖w_g‖₂ (Wen et al. 2016, SSL) is applied as w_g ← w_g·max(0, 1 − lr·λ/‖w_g‖) after
// each SGD step, which makes whole groups exactly zero. train() applies it after each step; the
// workers of trainParallel apply it to their replicas and the orchestrator after the last step
// (src/workers/), so both give the same parameters within rounding.

/** Groups of parameter indices: group g is indices[offsets[g], offsets[g + 1]). Plain arrays, so workers can receive them. */
export interface ProximalGroups {
  lambda: number;
  indices: Int32Array;
  offsets: Int32Array;
}

/** Packs index lists into ProximalGroups. */
export function proximalGroups(lambda: number, groups: readonly ArrayLike<number>[]): ProximalGroups {
  const offsets = new Int32Array(groups.length + 1);
  groups.forEach((g, i) => { offsets[i + 1] = offsets[i] + g.length; });
  const indices = new Int32Array(offsets[groups.length]);
  groups.forEach((g, i) => indices.set(g, offsets[i]));
  return { lambda, indices, offsets };
}

/**
 * The proximal step of step·λ·‖w_g‖ for each group in turn (overlapping groups — a filter and a
 * channel share weights — are shrunk one after another, the usual approximation of the joint
 * step). Returns how many groups it made zero.
 */
export function applyProximal(values: Float32Array, p: ProximalGroups, step: number): number {
  const t = p.lambda * step;
  let zeroed = 0;
  for (let g = 0; g + 1 < p.offsets.length; g++) {
    const [a, z] = [p.offsets[g], p.offsets[g + 1]];
    let s = 0;
    for (let j = a; j < z; j++) s += values[p.indices[j]] ** 2;
    const norm = Math.sqrt(s);
    const f = norm > t ? 1 - t / norm : 0;
    if (f === 1) continue;
    if (f === 0 && norm > 0) zeroed++;
    for (let j = a; j < z; j++) values[p.indices[j]] *= f;
  }
  return zeroed;
}

/** Refuses groups that are not ProximalGroups over the `size` trainable parameters. */
export function checkProximal(p: ProximalGroups, size: number, who: string): void {
  const bad = (what: string) => new RangeError(`${who}: 'proximal' ${what}`);
  if (!(p.lambda >= 0 && Number.isFinite(p.lambda))) throw bad(`lambda must be a finite number ≥ 0, got ${p.lambda}`);
  if (!(p.indices instanceof Int32Array) || !(p.offsets instanceof Int32Array) || p.offsets.length < 1) throw bad('must hold Int32Array indices and offsets (proximalGroups() makes them)');
  if (p.offsets[0] !== 0 || p.offsets[p.offsets.length - 1] !== p.indices.length) throw bad(`offsets must run from 0 to the ${p.indices.length} indices`);
  for (let g = 1; g < p.offsets.length; g++) if (p.offsets[g] < p.offsets[g - 1]) throw bad(`offsets must not decrease (group ${g - 1})`);
  for (const i of p.indices) if (!(i >= 0 && i < size)) throw bad(`index ${i} is not one of the model's ${size} trainable parameters`);
}
