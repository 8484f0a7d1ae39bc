// Twins of assembly/maxout.ts: max over K adjacent channels, recording the winner.

export function f32_maxout_fwd(y: Float32Array, argmax: Int32Array, x: Float32Array, B: number, C: number, K: number, S: number): void {
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) {
    const at = (j: number) => ((b * C + c) * K + j) * S + s;
    let best = x[at(0)];
    let win = 0;
    for (let j = 1; j < K && !Number.isNaN(best); j++) {
      const v = x[at(j)];
      if (v > best || Number.isNaN(v)) { best = v; win = j; }
    }
    y[(b * C + c) * S + s] = best;
    argmax[(b * C + c) * S + s] = win;
  }
}

export function f32_maxout_bwd(dx: Float32Array, dy: Float32Array, argmax: Int32Array, B: number, C: number, K: number, S: number): void {
  dx.fill(0, 0, B * C * K * S);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) {
    const o = (b * C + c) * S + s;
    dx[((b * C + c) * K + argmax[o]) * S + s] = dy[o];
  }
}
