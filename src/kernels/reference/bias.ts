// Twins of assembly/bias.ts: per-channel bias add and its gradient on [B, C, S].

export function f32_bias_add(y: Float32Array, bias: Float32Array, B: number, C: number, S: number): void {
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) y[(b * C + c) * S + s] += bias[c];
}

export function f32_bias_grad(dbias: Float32Array, dy: Float32Array, B: number, C: number, S: number): void {
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) sum += dy[(b * C + c) * S + s];
    dbias[c] = sum;
  }
}
