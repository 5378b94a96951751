import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  extractEmails,
  extractNumbers,
  normalizeAccount,
  normalizePhone,
  normalizeText,
  samePhone,
} from './normalize-value.ts';
import { indexContains, indexItem } from './trace-argument.ts';

describe('extractNumbers', () => {
  it.each([
    ['1,200.50 EUR', [1200.5]],
    ['1.200,50 €', [1200.5]],
    ['€120', [120]],
    ['1,5 kg', [1.5]],
    ['1,200', [1200, 1.2]],
    ['1,200,000', [1200000]],
    ['no numbers', []],
  ])('reads %s', (text, numbers) => {
    expect(extractNumbers(text)).toEqual(numbers);
  });
});

describe('normalizers', () => {
  it('normalise IBANs, emails, phones and text', () => {
    expect(normalizeAccount('de89 3704-0044 0532 0130 00')).toBe('DE89370400440532013000');
    expect(extractEmails('Jane <Jane.Doe@Example.COM>, ops@x.io')).toEqual([
      'jane.doe@example.com',
      'ops@x.io',
    ]);
    expect(normalizePhone('+49 (30) 123-4567')).toBe('49301234567');
    expect(normalizePhone('0049 30 1234567')).toBe('49301234567');
    expect(samePhone(normalizePhone('+49 30 1234567'), normalizePhone('030 1234567'))).toBe(true);
    expect(samePhone(normalizePhone('+49 30 1234567'), normalizePhone('+49 30 7654321'))).toBe(
      false,
    );
    expect(samePhone('123', '123')).toBe(false);
    expect(normalizeText('  Ｆｕｌｌ\twidth\n TEXT ')).toBe('full width text');
  });

  it('finds an IBAN however its groups are spaced (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(' ', '', '-', '  '), { minLength: 6, maxLength: 6 }),
        (gaps) => {
          const groups = ['DE89', '3704', '0044', '0532', '0130', '00'];
          const written = groups.map((g, i) => g + (i < 5 ? (gaps[i] ?? '') : '')).join('');
          const index = indexItem({ content: `pay to ${written.toLowerCase()} today` });
          expect(indexContains({ index, kind: 'iban', value: 'DE89370400440532013000' })).toBe(
            true,
          );
        },
      ),
    );
  });

  it('does not find a different IBAN', () => {
    const index = indexItem({ content: 'pay to DE89 3704 0044 0532 0130 00' });
    expect(indexContains({ index, kind: 'iban', value: 'DE89370400440532013001' })).toBe(false);
  });
});

describe('indexContains', () => {
  it('does not treat an email argument without an address as found everywhere', () => {
    const index = indexItem({ content: 'write to jane@example.com' });
    expect(indexContains({ index, kind: 'email', value: 'not an address' })).toBe(false);
    expect(indexContains({ index, kind: 'email', value: 'JANE@example.com' })).toBe(true);
  });

  it('matches amounts numerically and text on word boundaries', () => {
    const index = indexItem({ content: { note: 'Refund 1.200,50 EUR to Alice', total: 99 } });
    expect(indexContains({ index, kind: 'amount', value: 1200.5 })).toBe(true);
    expect(indexContains({ index, kind: 'amount', value: 99 })).toBe(true);
    expect(indexContains({ index, kind: 'amount', value: 1200 })).toBe(false);
    expect(indexContains({ index, kind: 'recipient', value: 'alice' })).toBe(true);
    expect(indexContains({ index, kind: 'recipient', value: 'Ali' })).toBe(false);
  });
});
