// Per-channel bias: add to an activation [B, C, S] and its gradient (sum over batch and space).
// Dense layers use S = 1; convolutions S = OH·OW. Spec: src/kernels/reference/bias.ts.

/** y[b, c, s] += bias[c]. */
export function f32_bias_add(
  y: usize, // [B, C, S], in-out
  bias: usize, // [C]
  B: i32,
  C: i32,
  S: i32,
): void {
  for (let b = 0; b < B; b++) {
    const row = y + (<usize>b * <usize>C * <usize>S << 2);
    if (S == 1) {
      // Dense layers: one row of C channels, vectorised along the channels.
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        for (; c + 4 <= C; c += 4) {
          const o = <usize>c << 2;
          v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
        }
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
      }
      continue;
    }
    for (let c = 0; c < C; c++) {
      const plane = row + (<usize>c * <usize>S << 2);
      const v = load<f32>(bias + (<usize>c << 2));
      let s = 0;
      if (ASC_FEATURE_SIMD) {
        const vv = f32x4.splat(v);
        for (; s + 4 <= S; s += 4) {
          const o = <usize>s << 2;
          v128.store(plane + o, f32x4.add(v128.load(plane + o), vv));
        }
      }
      for (; s < S; s++) {
        const o = <usize>s << 2;
        store<f32>(plane + o, load<f32>(plane + o) + v);
      }
    }
  }
}

/** dbias[c] = Σ_b Σ_s dy[b, c, s] (overwritten). */
export function f32_bias_grad(
  dbias: usize, // [C]
  dy: usize, // [B, C, S]
  B: i32,
  C: i32,
  S: i32,
): void {
  memory.fill(dbias, 0, <usize>C << 2);
  for (let b = 0; b < B; b++) {
    const row = dy + (<usize>b * <usize>C * <usize>S << 2);
    if (S == 1) {
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        for (; c + 4 <= C; c += 4) {
          const o = <usize>c << 2;
          v128.store(dbias + o, f32x4.add(v128.load(dbias + o), v128.load(row + o)));
        }
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        store<f32>(dbias + o, load<f32>(dbias + o) + load<f32>(row + o));
      }
      continue;
    }
    for (let c = 0; c < C; c++) {
      const plane = row + (<usize>c * <usize>S << 2);
      let sum: f32 = 0;
      let s = 0;
      if (ASC_FEATURE_SIMD) {
        let acc = f32x4.splat(0);
        for (; s + 4 <= S; s += 4) acc = f32x4.add(acc, v128.load(plane + (<usize>s << 2)));
        sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      }
      for (; s < S; s++) sum += load<f32>(plane + (<usize>s << 2));
      const o = <usize>c << 2;
      store<f32>(dbias + o, load<f32>(dbias + o) + sum);
    }
  }
}
