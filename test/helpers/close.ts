// Tolerance comparison scaled by the value (atol + rtol·|ref|). NaN matches NaN, ±Inf matches
// itself. On failure the message shows the first mismatches and the largest difference.

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  { atol = 1e-5, rtol = 1e-4 }: Tolerance = {},
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length}, expected ${expected.length}`);
  }
  const bad: string[] = [];
  let worst = 0;
  let worstAt = -1;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a) || !Number.isFinite(e) || !Number.isFinite(a)) {
      if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)) || a === e) continue;
    } else {
      const d = Math.abs(a - e);
      if (d > worst) { worst = d; worstAt = i; }
      if (d <= atol + rtol * Math.abs(e)) continue;
    }
    count++;
    if (bad.length < 5) bad.push(`[${i}] got ${a}, expected ${e}`);
  }
  if (count > 0) {
    throw new Error(
      `${label}: ${count} of ${expected.length} values differ (atol ${atol}, rtol ${rtol}): ${bad.join('; ')}; ` +
        `largest finite difference ${worst} at [${worstAt}]`,
    );
  }
}
