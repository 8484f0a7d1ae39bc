// Parsers for command-line values, used as commander argParsers: each checks one flag's value and
// throws a UsageError naming the flag and the value ("--epochs must be an integer ≥ 1, got 'abc'").
// main.ts prefixes the command and exits with code 2.

/** A mistake in the command line (exit code 2), as opposed to a failure while working (exit code 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

const quote = (raw: string): string => `'${raw}'`;

/** An integer in [min, max] (decimal digits only: '1e3', '0x10' and '2.0' are refused). */
export function integer(flag: string, min: number, max = Infinity): (raw: string) => number {
  const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
  return (raw) => {
    const v = /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`${flag} must be an integer ${range}, got ${quote(raw)}`);
    return v;
  };
}

export interface NumberRange {
  /** Lower bound, included unless `above` is set. */
  min?: number;
  above?: number;
  /** Upper bound, excluded unless `upTo` is used instead. */
  below?: number;
  upTo?: number;
}

/** A finite number within the bounds given. */
export function number(flag: string, range: NumberRange = {}): (raw: string) => number {
  const parts: string[] = [];
  if (range.min !== undefined) parts.push(`≥ ${range.min}`);
  if (range.above !== undefined) parts.push(`> ${range.above}`);
  if (range.below !== undefined) parts.push(`< ${range.below}`);
  if (range.upTo !== undefined) parts.push(`≤ ${range.upTo}`);
  const want = `a number${parts.length ? ` ${parts.join(' and ')}` : ''}`;
  return (raw) => {
    const v = raw.trim() === '' ? NaN : Number(raw);
    const ok = Number.isFinite(v) &&
      (range.min === undefined || v >= range.min) && (range.above === undefined || v > range.above) &&
      (range.below === undefined || v < range.below) && (range.upTo === undefined || v <= range.upTo);
    if (!ok) throw new UsageError(`${flag} must be ${want}, got ${quote(raw)}`);
    return v;
  };
}

/** A pruning ratio in [0, 1). */
export function ratio(flag: string): (raw: string) => number {
  const parse = number(flag, { min: 0, below: 1 });
  return (raw) => {
    try {
      return parse(raw);
    } catch {
      throw new UsageError(`${flag} must be a ratio in [0, 1), got ${quote(raw)}`);
    }
  };
}

/** A comma-separated list of distinct pruning ratios in [0, 1) ("0.1,0.3,0.5"). */
export function ratioList(flag: string): (raw: string) => number[] {
  const one = ratio(flag);
  return (raw) => {
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.some((p) => p === '')) throw new UsageError(`${flag} must be a comma-separated list of ratios in [0, 1), got ${quote(raw)}`);
    const values = parts.map((p) => {
      try {
        return one(p);
      } catch {
        throw new UsageError(`${flag} must be a comma-separated list of ratios in [0, 1), got ${quote(p)} in ${quote(raw)}`);
      }
    });
    if (new Set(values).size !== values.length) throw new UsageError(`${flag} lists a ratio twice: ${quote(raw)}`);
    return values;
  };
}

/** A comma-separated list of names ("conv1,conv2"). */
export function nameList(flag: string): (raw: string) => string[] {
  return (raw) => {
    const names = raw.split(',').map((p) => p.trim());
    if (names.some((n) => n === '')) throw new UsageError(`${flag} must be a comma-separated list of layer names, got ${quote(raw)}`);
    return names;
  };
}

/** Per-layer ratios in [0, 1), "name=ratio" comma-separated ("fc1=0.93,fc2=0.85"), each layer once. */
export function layerRatios(flag: string): (raw: string) => Record<string, number> {
  const one = ratio(flag);
  return (raw) => {
    const out: Record<string, number> = {};
    for (const part of raw.split(',').map((p) => p.trim())) {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim();
      if (eq < 1 || name === '') throw new UsageError(`${flag} must be a comma-separated list of layer=ratio, got ${quote(part)} in ${quote(raw)}`);
      if (Object.hasOwn(out, name)) throw new UsageError(`${flag} names layer '${name}' twice: ${quote(raw)}`);
      try {
        out[name] = one(part.slice(eq + 1));
      } catch {
        throw new UsageError(`${flag}: layer '${name}' needs a ratio in [0, 1), got ${quote(part.slice(eq + 1))}`);
      }
    }
    return out;
  };
}

/** One of a fixed list of words. */
export function choice<T extends string>(flag: string, choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got ${quote(raw)}`);
    return raw as T;
  };
}

/** A non-empty string (a path or a data spec). */
export function text(flag: string): (raw: string) => string {
  return (raw) => {
    if (raw.trim() === '') throw new UsageError(`${flag} must not be empty`);
    return raw;
  };
}
