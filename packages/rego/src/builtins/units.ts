/**
 * units.parse and units.parse_bytes (topdown/parse_units.go, parse_bytes.go): decimal
 * and binary SI suffixes, exact decimal arithmetic, OPA's error texts.
 */
import type { Value } from '../value.ts';
import { Dec, fromDecimal } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { stringArg } from './operands.ts';

/** Exponents longer than this many digits are refused (as OPA does). */
const maxExponentDigits = 6;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** OPA's extractNumAndUnit: the numeric prefix (with scientific notation) and the unit rest. */
function splitAmount(s: string): { amount: string; unit: string } | 'exponent' {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const numeric = isDigit(c) || c === '.' || c === '+' || c === '-';
    if (!numeric && c !== 'e' && c !== 'E') return { amount: s.slice(0, i), unit: s.slice(i) };
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (next === undefined || (!isDigit(next) && next !== '+' && next !== '-')) {
        return { amount: s.slice(0, i), unit: s.slice(i) };
      }
      if (next === '+' || next === '-') i++;
      let end = i + 1;
      while (isDigit(s[end])) end++;
      if (end - (i + 1) > maxExponentDigits) return 'exponent';
    }
  }
  return { amount: s, unit: '' };
}

const decimalNumber = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const siUnits: Record<string, string> = {
  '': '1', k: '1e3', K: '1e3', M: '1e6', g: '1e9', G: '1e9', t: '1e12', T: '1e12',
  p: '1e15', P: '1e15', e: '1e18', E: '1e18', m: '0.001',
  ki: String(2 ** 10), Ki: String(2 ** 10), mi: String(2 ** 20), Mi: String(2 ** 20),
  gi: String(2 ** 30), Gi: String(2 ** 30), ti: String(2 ** 40), Ti: String(2 ** 40),
  pi: String(2 ** 50), Pi: String(2 ** 50), ei: (2n ** 60n).toString(), Ei: (2n ** 60n).toString(),
};

const byteUnits: Record<string, string> = {
  '': '1', kb: '1e3', k: '1e3', kib: String(2 ** 10), ki: String(2 ** 10),
  mb: '1e6', m: '1e6', mib: String(2 ** 20), mi: String(2 ** 20),
  gb: '1e9', g: '1e9', gib: String(2 ** 30), gi: String(2 ** 30),
  tb: '1e12', t: '1e12', tib: String(2 ** 40), ti: String(2 ** 40),
  pb: '1e15', p: '1e15', pib: String(2 ** 50), pi: String(2 ** 50),
  eb: '1e18', e: '1e18', eib: (2n ** 60n).toString(), ei: (2n ** 60n).toString(),
};

const HighPrecision = Dec.clone({ precision: 1000, toExpNeg: -9e15, toExpPos: 9e15 });

function parseUnits(raw: string): Value {
  const s = raw.replaceAll('"', '');
  if (s.includes(' ')) fail('spaces not allowed in resource strings');
  const split = splitAmount(s);
  if (split === 'exponent') fail('exponent too large');
  if (split.amount === '') fail('no amount provided');
  // Only the letters after the first are case-insensitive, so "m" (milli) and "M" differ.
  const unit = split.unit.length > 1 ? split.unit[0]! + split.unit.slice(1).toLowerCase() : split.unit;
  const factor = siUnits[unit];
  if (factor === undefined) fail(`unit ${unit} not recognized`);
  if (!decimalNumber.test(split.amount)) fail('could not parse amount to a number');
  const product = new HighPrecision(split.amount).times(factor);
  // big.Rat.FloatString(10): ten decimals, halves away from zero.
  const value = product.isInteger() ? product : product.toDecimalPlaces(10, Dec.ROUND_HALF_UP);
  return fromDecimal(new Dec(value.toFixed()));
}

function parseBytes(raw: string): Value {
  const s = raw.toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) fail('spaces not allowed in resource strings');
  const split = splitAmount(s);
  if (split === 'exponent') fail('exponent too large');
  if (split.amount === '') fail('no byte amount provided');
  const factor = byteUnits[split.unit];
  if (factor === undefined) fail(`byte unit ${split.unit} not recognized`);
  if (!decimalNumber.test(split.amount)) fail('could not parse byte amount to a number');
  const product = new HighPrecision(split.amount).times(factor).trunc();
  return fromDecimal(new Dec(product.toFixed()));
}

/** The units builtins. */
export const units: BuiltinTable = {
  'units.parse': [1, (args) => parseUnits(stringArg(args, 1))],
  'units.parse_bytes': [1, (args) => parseBytes(stringArg(args, 1))],
};
