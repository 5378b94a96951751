/**
 * Garbage for the malformed-input tests (errors.malformed.test.ts, public-exports.malformed.test.ts):
 * values no public function should answer with a raw TypeError/RangeError or a hang. A fresh list
 * per call, so a function that mutates an argument cannot change what the next test receives.
 */
export function garbageValues(): unknown[] {
  return [
    undefined,
    null,
    0,
    -1,
    Number.NaN,
    '',
    'x',
    'A'.repeat(100_000),
    {},
    [],
    [null],
    Symbol('s'),
    10n,
    () => 1,
    new Date(Number.NaN),
    new Uint8Array(0),
    new Uint8Array(64),
    JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as unknown,
    { payloadType: 1, payload: [], signatures: {} },
    { keyId: {}, role: [], at: {} },
  ];
}
