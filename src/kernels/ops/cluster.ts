// Weight-sharing ops (assembly/cluster.ts): the gradient of each shared weight, summed over its
// members, and the shared weights written back into a parameter.

import * as check from '../check.js';
import type { Tensor } from '../tensor.js';

/** out[c] = Σ of g over the elements assigned to cluster c (assign −1: pruned, adds nowhere). */
export function clusterGradSum(out: Tensor, g: Tensor, assign: Tensor): Tensor {
  const op = 'clusterGradSum';
  const k = check.tensors(op, { out, g });
  if (check.tensors(op, { assign }, 'i32') !== k) throw new Error(`${op}: 'assign' lives in another wasm instance`);
  if (assign.size !== g.size) throw new RangeError(`${op}: 'assign' has ${assign.size} elements, 'g' [${g.shape}] has ${g.size}`);
  checkAssign(op, assign, out.size);
  k.wasm.f32_cluster_grad_sum(out.offset, g.offset, assign.offset, g.size, out.size);
  return out;
}

/** w[i] = centroids[assign[i]], 0 where assign[i] = −1. */
export function clusterApply(w: Tensor, centroids: Tensor, assign: Tensor): Tensor {
  const op = 'clusterApply';
  const k = check.tensors(op, { w, centroids });
  if (check.tensors(op, { assign }, 'i32') !== k) throw new Error(`${op}: 'assign' lives in another wasm instance`);
  if (assign.size !== w.size) throw new RangeError(`${op}: 'assign' has ${assign.size} elements, 'w' [${w.shape}] has ${w.size}`);
  checkAssign(op, assign, centroids.size);
  k.wasm.f32_cluster_apply(w.offset, centroids.offset, assign.offset, w.size);
  return w;
}

// The kernels index with assign: every entry must be −1 or a cluster.
function checkAssign(op: string, assign: Tensor, K: number): void {
  const a = assign.i32();
  for (let i = 0; i < a.length; i++) {
    if (a[i] < -1 || a[i] >= K) throw new RangeError(`${op}: 'assign'[${i}] is ${a[i]}, allowed −1 (pruned) or 0–${K - 1}`);
  }
}
