// Maxout over K adjacent channels: x [B, C·K, S] → y [B, C, S], recording which of the K won.
// Spec: src/kernels/reference/maxout.ts. A NaN among the K wins (propagates), the first one.

export function f32_maxout_fwd(
  y: usize, // [B, C, S]
  argmax: usize, // i32 [B, C, S]: index in 0..K−1 of the winner
  x: usize, // [B, C·K, S]
  B: i32,
  C: i32,
  K: i32,
  S: i32,
): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const out = (<usize>(b * C + c) * <usize>S) << 2;
      const first = (<usize>((b * C + c) * K) * <usize>S) << 2;
      for (let s = 0; s < S; s++) {
        const o = <usize>s << 2;
        let best = load<f32>(x + first + o);
        let win = 0;
        for (let j = 1; j < K && best == best; j++) {
          const v = load<f32>(x + first + (<usize>j * <usize>S << 2) + o);
          if (v > best || v != v) { best = v; win = j; }
        }
        store<f32>(y + out + o, best);
        store<i32>(argmax + out + o, win);
      }
    }
  }
}

/** dx overwritten: dy goes to the winner of each unit, zero elsewhere. */
export function f32_maxout_bwd(
  dx: usize, // [B, C·K, S]
  dy: usize, // [B, C, S]
  argmax: usize, // i32 [B, C, S]
  B: i32,
  C: i32,
  K: i32,
  S: i32,
): void {
  memory.fill(dx, 0, (<usize>B * <usize>C * <usize>K * <usize>S) << 2);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const out = (<usize>(b * C + c) * <usize>S) << 2;
      const first = (<usize>((b * C + c) * K) * <usize>S) << 2;
      for (let s = 0; s < S; s++) {
        const o = <usize>s << 2;
        const j = load<i32>(argmax + out + o);
        store<f32>(dx + first + (<usize>j * <usize>S << 2) + o, load<f32>(dy + out + o));
      }
    }
  }
}
