import { describe, expect, it } from 'vitest';
import { entrypointRef, entrypointSegments, wasmEntrypointName } from './policy-evaluator.ts';

describe('entrypointSegments', () => {
  it('accepts data refs, bare dotted refs and wasm names', () => {
    expect(entrypointSegments('data.writ.decision')).toEqual(['writ', 'decision']);
    expect(entrypointSegments('writ.decision')).toEqual(['writ', 'decision']);
    expect(entrypointSegments('writ/decision')).toEqual(['writ', 'decision']);
    expect(entrypointRef('writ/decision')).toBe('data.writ.decision');
    expect(wasmEntrypointName('data.writ.decision')).toBe('writ/decision');
  });

  it.each([undefined, 1, '', 'data', 'data.', 'a..b', 'a.b[0]', 'data.a["b"]', 'a/b.c', '__proto__.x'.replace('_', '-'), 'x'.repeat(2000)])(
    'refuses %j',
    (value) => {
      expect(() => entrypointSegments(value)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    },
  );
});
