/**
 * Time-zone abbreviations as Go prints them for the `MST` layout chunk: Go reads the tz
 * database (TZif files), whose abbreviations ICU does not always reproduce ("IST" for
 * Asia/Kolkata, "CET" for Europe/Berlin, where ICU's en-US data says "GMT+5:30", "GMT+1").
 * The abbreviations come from the system's TZif file for the zone, matched by UTC offset.
 */
import { readFileSync } from 'node:fs';

const roots = [process.env['ZONEINFO'], '/usr/share/zoneinfo', '/usr/lib/zoneinfo', '/usr/share/lib/zoneinfo'];
const cache = new Map<string, ReadonlyMap<number, string> | undefined>();

// POSIX TZ footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3": names with offsets west of UTC.
function footerAbbreviations(footer: string, out: Map<number, string>): void {
  const match = /^(<[^>]+>|[A-Za-z]+)([-+]?\d+(?::\d+){0,2})(<[^>]+>|[A-Za-z]+)?([-+]?\d+(?::\d+){0,2})?/.exec(footer);
  if (match === null) return;
  const seconds = (text: string): number => {
    const sign = text.startsWith('-') ? -1 : 1;
    const [h = 0, m = 0, s = 0] = text.replace(/^[-+]/, '').split(':').map(Number);
    return sign * (h * 3600 + m * 60 + s);
  };
  const name = (text: string): string => text.replace(/^<|>$/g, '');
  const std = -seconds(match[2]!);
  out.set(std, name(match[1]!));
  if (match[3] !== undefined) out.set(match[4] === undefined ? std + 3600 : -seconds(match[4]), name(match[3]));
}

function readZone(zone: string): ReadonlyMap<number, string> | undefined {
  if (!/^[A-Za-z0-9_+\-/]+$/.test(zone) || zone.includes('..')) return undefined;
  for (const root of roots) {
    if (root === undefined) continue;
    let data: Buffer;
    try {
      data = readFileSync(`${root}/${zone}`);
    } catch {
      continue;
    }
    if (data.toString('latin1', 0, 4) !== 'TZif') return undefined;
    return parseTzif(data);
  }
  return undefined;
}

// RFC 8536: header, then (for version 2+) a second header with 64-bit times, then a footer.
function parseTzif(data: Buffer): ReadonlyMap<number, string> {
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => data.readUInt32BE(at + 20 + 4 * i));
  let at = 0;
  let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0) as [number, number, number, number, number, number];
  let timeSize = 4;
  const version = data[4]!;
  if (version >= 0x32) {
    at = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(at) as [number, number, number, number, number, number];
    timeSize = 8;
  }
  const types = at + 44 + timecnt * timeSize + timecnt;
  const chars = types + typecnt * 6;
  const out = new Map<number, string>();
  // Later types win: they are the ones in use for recent instants.
  for (let i = 0; i < typecnt; i++) {
    const offset = data.readInt32BE(types + 6 * i);
    const index = data[types + 6 * i + 5]!;
    const end = data.indexOf(0, chars + index);
    out.set(offset, data.toString('latin1', chars + index, end < 0 ? chars + charcnt : end));
  }
  if (version >= 0x32) {
    const footerStart = chars + charcnt + leap * (timeSize + 4) + isstd + isut;
    const footer = data.toString('latin1', footerStart).split('\n')[1] ?? '';
    footerAbbreviations(footer, out);
  }
  return out;
}

/** The tz-database abbreviation of `zone` at UTC offset `offsetSeconds`, when known. */
export function tzAbbreviation(zone: string, offsetSeconds: number): string | undefined {
  if (!cache.has(zone)) cache.set(zone, readZone(zone));
  return cache.get(zone)?.get(offsetSeconds);
}
