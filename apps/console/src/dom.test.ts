import { describe, expect, it } from 'vitest';
import { visibleText } from './dom.ts';

describe('visibleText', () => {
  it('spells out bidirectional controls and invisible characters, and leaves other text alone', () => {
    expect(visibleText('pay \u202Eevil')).toBe('pay \\u202eevil');
    expect(visibleText('a\u200Bb\u2066c\u2069d\uFEFF\u061C')).toBe('a\\u200bb\\u2066c\\u2069d\\ufeff\\u061c');
    expect(visibleText('IBAN DE89 3704 · ümlaut — 日本')).toBe('IBAN DE89 3704 · ümlaut — 日本');
    expect(visibleText(visibleText('x\u202Ey'))).toBe('x\\u202ey');
  });
});
