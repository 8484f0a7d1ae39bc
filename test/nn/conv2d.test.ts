// The fused conv backward kernel against its direct-loop twin, and the Conv2d layer against
// finite differences, across strides, padding, dilation, groups and pointwise convs.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';
import { twin } from '../helpers/twin.js';
import { gradCheckLayer } from '../helpers/gradcheck.js';
import { Conv2d } from '../../src/nn/layers/conv2d.js';
import { Graph } from '../../src/graph/graph.js';

// [B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G]
const CASES: number[][] = [
  [1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1],
  [2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1],
  [3, 4, 8, 8, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2],
  [2, 4, 9, 7, 4, 3, 3, 1, 1, 2, 2, 2, 2, 4],
  [1, 5, 6, 6, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1],
  [2, 6, 5, 5, 3, 1, 1, 2, 1, 0, 0, 1, 1, 3],
  [2, 1, 28, 28, 20, 5, 5, 1, 1, 0, 0, 1, 1, 1],
  [2, 20, 12, 12, 50, 5, 5, 1, 1, 0, 0, 1, 1, 1],
  [1, 3, 17, 5, 2, 2, 4, 3, 1, 0, 1, 1, 2, 1],
  // Winograd (3×3 and 5×5, stride 1, ≥ 4 channels per group): odd sizes, paddings, groups, a
  // 1-row tail of output channels, two output-channel chunks (70 > 64), tile blocks.
  [3, 4, 9, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1],
  [2, 6, 11, 10, 9, 5, 5, 1, 1, 2, 1, 1, 1, 1],
  [2, 8, 6, 7, 8, 3, 3, 1, 1, 0, 0, 1, 1, 2],
  [1, 4, 5, 6, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1],
  [6, 4, 20, 21, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1],
  [2, 5, 7, 7, 6, 5, 5, 1, 1, 3, 3, 1, 1, 1],
  [1, 9, 3, 3, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1],
  [1, 112, 6, 6, 5, 5, 5, 1, 1, 1, 1, 1, 1, 1], // filter transforms too big to keep
  // Packed panels: two K blocks (K = 360), two tap blocks of dcol; 260 output channels (two
  // reduction blocks of the data gradient).
  [2, 40, 7, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1],
  [1, 3, 5, 5, 260, 3, 3, 2, 1, 1, 0, 1, 1, 1],
];

test('conv2d backward kernel matches its direct-loop twin', async () => {
  const rng = new Rng(31);
  for (const { k } of await backends()) {
    for (const c of CASES) {
      const [B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G] = c;
      const OH = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
      const OW = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
      for (const [hasBias, needDx] of [[1, 1], [0, 0]]) {
        const scratch = k.wasm.f32_conv2d_bwd_scratch_bytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G);
        twin(k, 'f32_conv2d_bwd', [
          rng.f32(B * C * H * W), rng.f32(OC * (C / G) * KH * KW), rng.f32(OC), rng.f32(B * OC * OH * OW),
          rng.f32(B * C * H * W), rng.f32(OC * (C / G) * KH * KW), ...c, hasBias, needDx,
        ], `[${c}] bias${hasBias} dx${needDx}`, { scratch, atol: 1e-4 * Math.sqrt(B * OH * OW) });
      }
    }
  }
});

test('conv2d backward: NaN and Inf keep the direct pattern on Winograd-sized convs', async () => {
  const rng = new Rng(32);
  for (const { k } of await backends()) {
    for (const K of [3, 5]) {
      const [B, C, H, W, OC, P] = [2, 4, 8, 9, 5, 1];
      const OH = H + 2 * P - K + 1, OW = W + 2 * P - K + 1;
      const geo = [K, K, 1, 1, P, P, 1, 1, 1] as const;
      const scratch = k.wasm.f32_conv2d_bwd_scratch_bytes(C, H, W, ...geo);
      const run = (x: Float32Array, w: Float32Array, dy: Float32Array, label: string) =>
        twin(k, 'f32_conv2d_bwd', [new Float32Array(B * C * H * W), new Float32Array(OC * C * K * K), new Float32Array(OC), dy, x, w,
          B, C, H, W, OC, ...geo, 1, 1], `K${K} ${label}`, { scratch, atol: 1e-4 * Math.sqrt(B * OH * OW) });
      const x = rng.f32(B * C * H * W), w = rng.f32(OC * C * K * K), dy = rng.f32(B * OC * OH * OW);
      run(x, w, dy, 'finite');
      run(x.map((v, i) => (i === 77 ? NaN : v)), w, dy, 'NaN x');
      run(x, w.map((v, i) => (i === 5 ? Infinity : v)), dy, 'Inf w');
      run(x, w, dy.map((v, i) => (i === 12 ? -Infinity : v)), '−Inf dy');
    }
  }
});

test('conv2d backward stays inside its scratch', async () => {
  const rng = new Rng(33);
  for (const { k } of await backends()) {
    for (const c of [[2, 20, 12, 12, 50, 5, 5, 1, 1, 0, 0, 1, 1, 1], [3, 5, 13, 11, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1],
      [2, 40, 7, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1], [2, 6, 9, 9, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2]]) {
      const [B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G] = c;
      const OH = Math.floor((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1;
      const OW = Math.floor((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1;
      const bytes = k.wasm.f32_conv2d_bwd_scratch_bytes(C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, G);
      assert.is(bytes % 16, 0);
      const area = k.tensor([bytes / 4 + 64]).fill(-7);
      const [dx, x] = [k.from(rng.f32(B * C * H * W)), k.from(rng.f32(B * C * H * W))];
      const [dw, w] = [k.from(rng.f32(OC * (C / G) * KH * KW)), k.from(rng.f32(OC * (C / G) * KH * KW))];
      const [db, dy] = [k.from(rng.f32(OC)), k.from(rng.f32(B * OC * OH * OW))];
      k.wasm.f32_conv2d_bwd(dx.offset, dw.offset, db.offset, dy.offset, x.offset, w.offset,
        B, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G, 1, 1, area.offset);
      assert.ok(area.f32().subarray(bytes / 4).every((v) => v === -7), `scratch overrun for [${c}] [${k.build}]`);
      for (const t of [area, dx, x, dw, w, db, dy]) t.dispose();
    }
  }
});

test('Conv2d backward matches finite differences', async () => {
  for (const { k } of await backends()) {
    gradCheckLayer(k, new Conv2d({ filters: 3, kernel: 3, padding: 1 }), [[2, 5, 6]]);
    gradCheckLayer(k, new Conv2d({ filters: 4, kernel: [2, 3], stride: [2, 1], dilation: [1, 2], groups: 2, bias: false }), [[4, 7, 8]]);
    gradCheckLayer(k, new Conv2d({ filters: 3, kernel: 3, groups: 3, padding: 2, dilation: 2 }), [[3, 6, 6]]);
    gradCheckLayer(k, new Conv2d({ filters: 5, kernel: 1 }), [[3, 4, 4]]);
    gradCheckLayer(k, new Conv2d({ filters: 5, kernel: 3, padding: 1 }), [[4, 5, 6]]); // Winograd 3×3
    gradCheckLayer(k, new Conv2d({ filters: 4, kernel: 5, padding: 2 }), [[6, 6, 5]]); // Winograd 5×5
  }
});

test('Conv2d shapes, FLOPs and errors', () => {
  const conv = new Conv2d({ filters: 20, kernel: 5 });
  assert.equal(conv.outputShape([[1, 28, 28]]), [20, 24, 24]);
  assert.is(conv.flops([[1, 28, 28]]), 20 * 24 * 24 * (2 * 25 + 1));
  assert.equal(new Conv2d({ filters: 8, kernel: 3, stride: 2, padding: 1 }).outputShape([[3, 32, 32]]), [8, 16, 16]);
  assert.throws(() => new Conv2d({ filters: 0, kernel: 3 }), /Conv2d: 'filters' must be an integer ≥ 1, got 0/);
  assert.throws(() => new Conv2d({ filters: 4, kernel: 0 }), /Conv2d: 'kernel\[0\]' must be an integer ≥ 1, got 0/);
  assert.throws(() => new Conv2d({ filters: 5, kernel: 3, groups: 2 }), /'filters' \(5\) must be a multiple of 'groups' \(2\)/);
  assert.throws(() => new Conv2d({ filters: 4, kernel: 3, groups: 2 }).outputShape([[3, 8, 8]]), /3 input channels are not a multiple of 'groups' \(2\)/);
  assert.throws(() => new Graph({ name: 'g', inputs: [{ name: 'x', shape: [1, 4, 4] }], nodes: [{ name: 'c', layer: new Conv2d({ filters: 2, kernel: 5 }), inputs: ['x'] }], outputs: ['c'] }),
    /node 'c' \(Conv2d\) on input shapes \[1,4,4\]: Conv2d: a 5×5 kernel .* does not fit a 4×4 input/);
  assert.throws(() => conv.outputShape([[784]]), /Conv2d expects \[C, H, W\] per sample, got \[784\]/);
});

test.run();
