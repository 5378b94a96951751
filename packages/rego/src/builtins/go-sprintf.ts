/**
 * Go's `fmt.Sprintf` for the argument kinds OPA's `sprintf` passes to it: Go `int`,
 * `*big.Int`, `float64` and `string` (everything else arrives as Rego text). Verbs, flags,
 * width, precision and Go's error notations (`%!d(string=x)`, `%!d(MISSING)`,
 * `%!(EXTRA ...)`) follow the fmt package documentation.
 */
import { BuiltinFailure } from './failure.ts';

/** One `sprintf` argument, already converted the way OPA converts it. */
export type GoArg =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'bigint'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  precision: number | undefined;
  verb: string;
}

const goTypeName: Record<GoArg['kind'], string> = { int: 'int', bigint: '*big.Int', float: 'float64', string: 'string' };

function pad(text: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  if (width <= text.length / 2) return text; // no string of this many UTF-16 units is shorter in runes
  const length = [...text].length;
  if (length >= width) return text;
  const fill = width - length;
  if (spec.minus) return text + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(text) ? text[0]! : '';
    return sign + '0'.repeat(fill) + text.slice(sign.length);
  }
  return ' '.repeat(fill) + text;
}

function signed(negative: boolean, digits: string, spec: Spec): string {
  if (negative) return '-' + digits;
  if (spec.plus) return '+' + digits;
  if (spec.space) return ' ' + digits;
  return digits;
}

function formatInteger(value: bigint, spec: Spec): string | undefined {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let digits: string;
  let prefix = '';
  switch (spec.verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(value)), spec, false);
    case 'q':
      return pad(`'${String.fromCodePoint(Number(value))}'`, spec, false);
    case 'U':
      return pad('U+' + abs.toString(16).toUpperCase().padStart(4, '0'), spec, false);
    default:
      return undefined;
  }
  if (spec.precision !== undefined) {
    digits = spec.precision === 0 && abs === 0n ? '' : digits.padStart(spec.precision, '0');
  }
  const text = signed(negative, prefix + digits, spec);
  return pad(text, spec, spec.precision === undefined);
}

function exponentForm(text: string): string {
  // JavaScript writes e+5; Go writes at least two exponent digits: e+05.
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Go's strconv 'g' with shortest representation (%v of a float64). */
export function formatFloatShortest(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // Shortest digits of a double in [1e-4, 1e6) have a decimal exponent in [-4, 5] (rounding is
  // monotonic and both bounds are doubles), so the plain form applies without toExponential.
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e6) return String(value);
  // strconv 'g' with the shortest digits decides on exponent form with precision 6.
  const shortest = value.toExponential();
  const exp = Number(shortest.slice(shortest.indexOf('e') + 1));
  if (exp < -4 || exp >= 6) return exponentForm(shortest);
  return String(value);
}

function fixed(value: number, precision: number): string {
  const abs = Math.abs(value);
  if (abs < 1e21) return abs.toFixed(precision);
  const integer = BigInt(abs).toString();
  return precision > 0 ? `${integer}.${'0'.repeat(precision)}` : integer;
}

function formatFloat(value: number, spec: Spec): string | undefined {
  if (!Number.isFinite(value)) {
    const text = Number.isNaN(value) ? 'NaN' : value > 0 ? (spec.plus ? '+Inf' : 'Inf') : '-Inf';
    return pad(text, { ...spec, zero: false }, false);
  }
  const negative = value < 0 || Object.is(value, -0);
  const abs = Math.abs(value);
  let body: string;
  switch (spec.verb) {
    case 'v':
    case 'g':
    case 'G':
      if (spec.precision === undefined) body = formatFloatShortest(abs);
      else body = goPrecisionG(abs, spec.precision);
      if (spec.verb === 'G') body = body.toUpperCase();
      break;
    case 'e':
    case 'E':
      body = exponentForm(abs.toExponential(spec.precision ?? 6));
      if (spec.verb === 'E') body = body.toUpperCase();
      break;
    case 'f':
    case 'F':
      body = fixed(abs, spec.precision ?? 6);
      break;
    default:
      return undefined;
  }
  return pad(signed(negative, body, spec), spec, true);
}

function goPrecisionG(abs: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
  if (exp < -4 || exp >= p) {
    return exponentForm(abs.toExponential(p - 1).replace(/\.?0+e/, 'e'));
  }
  const text = abs.toPrecision(p);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function quoteString(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1').replace(/\u007f/g, '\\x7f');
}

function formatString(value: string, spec: Spec): string | undefined {
  let text = value;
  switch (spec.verb) {
    case 'v':
    case 's':
      if (spec.precision !== undefined) text = [...text].slice(0, spec.precision).join('');
      return pad(text, spec, false);
    case 'q':
      return pad(quoteString(text), spec, false);
    case 'x':
    case 'X': {
      const hex = Buffer.from(text, 'utf8').toString('hex');
      return pad(spec.verb === 'X' ? hex.toUpperCase() : hex, spec, false);
    }
    default:
      return undefined;
  }
}

function formatPlain(arg: GoArg): string {
  switch (arg.kind) {
    case 'int':
    case 'bigint':
      return arg.value.toString();
    case 'float':
      return formatFloatShortest(arg.value);
    case 'string':
      return arg.value;
  }
}

function formatArg(arg: GoArg, spec: Spec): string {
  let out: string | undefined;
  switch (arg.kind) {
    case 'int':
      out = formatInteger(arg.value, spec);
      break;
    case 'bigint':
      out = spec.verb === 's' ? formatInteger(arg.value, { ...spec, verb: 'd' })
        : 'bodxXv'.includes(spec.verb) || spec.verb === 'O' ? formatInteger(arg.value, spec) : undefined;
      if (out === undefined) return `%!${spec.verb}(big.Int=${arg.value.toString()})`;
      break;
    case 'float':
      out = formatFloat(arg.value, spec);
      break;
    case 'string':
      out = formatString(arg.value, spec);
      break;
  }
  return out ?? `%!${spec.verb}(${goTypeName[arg.kind]}=${formatPlain(arg)})`;
}

/** Widths and precisions above this are refused (Go would allocate them; we will not). */
const maxWidth = 1 << 16;

function readNumber(format: string, start: number): [number | undefined, number] {
  let i = start;
  while (i < format.length && format.charCodeAt(i) >= 48 && format.charCodeAt(i) <= 57) i++;
  if (i === start) return [undefined, i];
  const n = Number(format.slice(start, i));
  if (n > maxWidth) throw new BuiltinFailure(`width or precision ${n} too large`);
  return [n, i];
}

/** Go's `fmt.Sprintf(format, args...)`. */
export function goSprintf(format: string, args: readonly GoArg[]): string {
  let out = '';
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = {
      minus: false, plus: false, sharp: false, space: false, zero: false,
      width: undefined, precision: undefined, verb: '',
    };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    if (format[i] === '*') {
      const arg = args[next++];
      spec.width = arg?.kind === 'int' ? Math.max(-maxWidth, Math.min(maxWidth, Number(arg.value))) : undefined;
      if (spec.width !== undefined && spec.width < 0) {
        spec.minus = true;
        spec.width = -spec.width;
      }
      i++;
    } else {
      [spec.width, i] = readNumber(format, i);
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        const arg = args[next++];
        spec.precision = arg?.kind === 'int' ? Math.min(maxWidth, Number(arg.value)) : undefined;
        i++;
      } else {
        const [precision, end] = readNumber(format, i);
        spec.precision = precision ?? 0;
        i = end;
      }
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    spec.verb = verb;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const arg = args[next];
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    next++;
    out += formatArg(arg, spec);
  }
  if (next < args.length) {
    const extra = args.slice(next).map((arg) => `${goTypeName[arg.kind]}=${formatPlain(arg)}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
