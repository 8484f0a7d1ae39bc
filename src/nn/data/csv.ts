// CSV of users' own data: one sample per line, a label column (integer class index) and the
// remaining columns as float features. An optional header line is detected. Quoted fields are
// understood on one line; a field spanning lines is not.

import { Dataset, type DatasetInit } from './dataset.js';

export interface CsvOptions {
  /** Names the data in errors and becomes the dataset's name (default 'csv'). */
  name?: string;
  /** The label column: an index (0-based; negative counts from the end, −1 = last) or a header name. Default 0. */
  label?: number | string;
  /** Whether the first line is a header; 'auto' (default): it is when any of its fields is not a number. */
  header?: boolean | 'auto';
  /** Field separator; default: the first of ',', ';', tab found on the first line. */
  delimiter?: string;
  /** [C, H, W] of one sample (C·H·W must equal the number of feature columns); default [1, 1, F]. */
  shape?: readonly number[];
  /** Number of classes (default: largest label + 1). */
  classes?: number;
  normalise?: DatasetInit['normalise'];
}

/** The dataset in CSV `text` (a string or UTF-8 bytes). */
export function parseCsv(text: string | Uint8Array, options: CsvOptions = {}): Dataset {
  const name = options.name ?? 'csv';
  const src = typeof text === 'string' ? text : new TextDecoder('utf-8').decode(text);
  const lines = (src.charCodeAt(0) === 0xfeff ? src.slice(1) : src).split('\n');
  let first = 0;
  while (first < lines.length && blank(lines[first])) first++;
  if (first === lines.length) throw new RangeError(`${name}: empty file (no rows), an empty dataset is refused`);

  const firstLine = clean(lines[first]);
  const delimiter = options.delimiter ?? ([',', ';', '\t'].find((d) => firstLine.includes(d)) ?? ',');
  const head = split(firstLine, delimiter, name, first + 1);
  const cols = head.length;
  const mode = options.header ?? 'auto';
  if (mode !== true && mode !== false && mode !== 'auto') throw new TypeError(`${name}: header must be true, false or 'auto', got ${String(mode)}`);
  // NOTE: a NaN, infinite or empty field does not make a header: it stays data and is refused below.
  const hasHeader = mode === 'auto' ? head.some((f) => !Number.isFinite(number(f)) && why(f, number(f)) === 'is not a number') ||
    typeof options.label === 'string' : mode;
  const names = hasHeader ? head.map((f) => f.trim()) : null;

  let labelCol: number;
  const label = options.label ?? 0;
  if (typeof label === 'string') {
    if (!names) throw new Error(`${name}: label column '${label}' is named, but the file has no header (header: false)`);
    labelCol = names.indexOf(label);
    if (labelCol < 0) throw new Error(`${name}: no column named '${label}' in the header on line ${first + 1}; columns: ${names.join(', ')}`);
  } else {
    if (!Number.isInteger(label) || label >= cols || label < -cols) {
      throw new RangeError(`${name}: label column ${label} is outside the ${cols} columns on line ${first + 1}`);
    }
    labelCol = label < 0 ? cols + label : label;
  }
  const F = cols - 1;
  if (F === 0) throw new RangeError(`${name}: line ${first + 1} has 1 column; a label and at least one feature are needed`);
  const shape = options.shape ?? [1, 1, F];
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`${name}: shape must be [C, H, W] of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (shape[0] * shape[1] * shape[2] !== F) {
    throw new RangeError(`${name}: shape [${shape}] holds ${shape[0] * shape[1] * shape[2]} features, the file has ${F} feature columns`);
  }

  const where = (line: number, col: number): string =>
    `${name} line ${line}, column ${col + 1}${names ? ` ('${names[col]}')` : ''}`;
  const pixels = new Float32Array((lines.length - first) * F);
  const labels: number[] = [];
  let k = 0;
  for (let l = hasHeader ? first + 1 : first; l < lines.length; l++) {
    if (blank(lines[l])) continue;
    const fields = split(clean(lines[l]), delimiter, name, l + 1);
    if (fields.length !== cols) {
      throw new RangeError(`${name} line ${l + 1}: ${fields.length} columns, expected ${cols} (as on line ${first + 1})`);
    }
    for (let c = 0; c < cols; c++) {
      const raw = fields[c];
      const v = number(raw);
      if (c === labelCol) {
        if (!Number.isInteger(v) || v < 0) throw new RangeError(`${where(l + 1, c)}: ${JSON.stringify(raw)} is not a class label (an integer ≥ 0)`);
        labels.push(v);
        continue;
      }
      if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
        throw new RangeError(`${where(l + 1, c)}: ${JSON.stringify(raw)} ${why(raw, v)}`);
      }
      pixels[k++] = v;
    }
  }
  if (labels.length === 0) throw new RangeError(`${name}: a header but no data rows, an empty dataset is refused`);
  return new Dataset({
    name, shape, pixels: pixels.subarray(0, k), labels, classes: options.classes, normalise: options.normalise,
  });
}

/** A plain decimal number (sign, digits, point, exponent; spaces around), else NaN or ±Infinity. */
function number(s: string): number {
  let digit = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digit = true;
    else if (c !== 43 && c !== 45 && c !== 46 && c !== 101 && c !== 69 && c !== 32 && c !== 9) return NaN;
  }
  return digit ? +s : NaN; // "1-2", "1e" and the like come back NaN from the conversion
}

function why(raw: string, v: number): string {
  const t = raw.trim().toLowerCase();
  if (t === '') return 'is an empty field';
  if (t === 'nan') return 'is NaN; NaN values are refused';
  if (/^[+-]?inf(inity)?$/.test(t) || v === Infinity || v === -Infinity) return 'is infinite; values must be finite';
  if (Number.isFinite(v)) return 'is outside the float32 range';
  return 'is not a number';
}

function blank(line: string): boolean {
  return line.trim() === '';
}

function clean(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Fields of one line; double quotes group a field ("" is a literal quote). */
function split(line: string, delimiter: string, name: string, lineNo: number): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let field = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(delimiter, i)) { out.push(field); field = ''; i += delimiter.length - 1; }
    else field += ch;
  }
  if (quoted) throw new Error(`${name} line ${lineNo}: a quoted field is not closed (fields spanning lines are not supported)`);
  out.push(field);
  return out;
}
