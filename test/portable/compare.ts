// Compares a host's portable-suite results with Node's: same cases, each passing, digests equal
// (to 1e-6 relative, as the hosts' V8 builds may round transcendental functions differently).

import type { CaseResult } from './suite.js';

export interface Verdict {
  ok: boolean;
  passed: number;
  lines: string[];
  /** Largest relative digest difference from Node over all cases. */
  worst: number;
}

const TOLERANCE = 1e-6;

export function compare(host: string, got: CaseResult[], node: CaseResult[]): Verdict {
  const lines: string[] = [];
  let passed = 0;
  let worst = 0;
  for (const want of node) {
    const r = got.find((g) => g.name === want.name);
    let why = '';
    if (!r) why = 'missing';
    else if (!r.ok) why = r.detail;
    else if (r.digest.length !== want.digest.length) why = `digest of ${r.digest.length} numbers, Node's has ${want.digest.length}`;
    else {
      for (let i = 0; i < want.digest.length; i++) {
        const d = Math.abs(r.digest[i] - want.digest[i]) / Math.max(1, Math.abs(want.digest[i]));
        worst = Math.max(worst, d);
        if (!(d <= TOLERANCE)) why ||= `digest[${i}] ${r.digest[i]} where Node has ${want.digest[i]}`;
      }
    }
    if (!why) passed++;
    lines.push(`  ${why ? '✗' : '✓'} ${host}: ${want.name}: ${why || r!.detail}`);
  }
  return { ok: passed === node.length && got.length === node.length, passed, lines, worst };
}
