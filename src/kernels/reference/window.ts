// Output size of a sliding window, shared by the conv and pool twins (not itself a kernel twin,
// so reference/index.ts does not re-export it).

/** floor((L + 2·P − D·(K−1) − 1) / S) + 1 along one axis, or 0 when the window does not fit. */
export function windowOutSize(L: number, K: number, S: number, P: number, D: number): number {
  const span = L + 2 * P - D * (K - 1) - 1;
  return span < 0 ? 0 : Math.floor(span / S) + 1;
}
