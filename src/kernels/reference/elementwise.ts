// Plain-TypeScript twins of the element-wise wasm kernels (assembly/elementwise.ts): the spec.
// Every operand has n elements; each element is read before it is written, so `out` may alias an input.

/** out[i] = a[i] + b[i]. */
export function f32_add(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** out[i] = a[i] · b[i]. */
export function f32_mul(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
}

/** y[i] += alpha · x[i]. */
export function f32_axpy(y: Float32Array, x: Float32Array, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

/** out[i] = alpha · x[i]. */
export function f32_scale(out: Float32Array, x: Float32Array, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = alpha * x[i];
}

/** out[i] = max(x[i], 0). NOTE: Math.max propagates NaN: relu(NaN) = NaN. */
export function f32_relu_fwd(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0);
}

/** dx[i] = x[i] > 0 ? dy[i] : 0. NOTE: NaN > 0 is false: no gradient passes at NaN. */
export function f32_relu_bwd(dx: Float32Array, dy: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
}

/** out[i] = x[i] > 0 ? x[i] : slope · x[i]. */
export function f32_leaky_relu_fwd(out: Float32Array, x: Float32Array, slope: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : slope * x[i];
}

/** dx[i] = x[i] > 0 ? dy[i] : slope · dy[i]. */
export function f32_leaky_relu_bwd(dx: Float32Array, dy: Float32Array, x: Float32Array, slope: number, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : slope * dy[i];
}

/** out[i] = min(max(x[i], lo), hi). NOTE: clamp(NaN) = NaN, as Math.min/max propagate it. */
export function f32_clamp(out: Float32Array, x: Float32Array, lo: number, hi: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
}
