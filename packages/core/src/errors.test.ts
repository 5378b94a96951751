import { describe, expect, it } from 'vitest';
import { WritError, isWritError } from './errors.ts';

describe('WritError', () => {
  it('carries a stable code and name', () => {
    const error = new WritError('ERR_INVALID_ARGUMENT', 'bad');
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ERR_INVALID_ARGUMENT');
    expect(error.name).toBe('WritError');
  });
  it('isInstance recognises a copy from another realm of the package by its brand', () => {
    const foreign = Object.assign(new Error('x'), { code: 'ERR_INTERNAL', [Symbol.for('writ.error')]: true });
    expect(WritError.isInstance(foreign)).toBe(true);
    expect(WritError.isInstance(new Error('x'))).toBe(false);
    expect(WritError.isInstance(null)).toBe(false);
    expect(WritError.isInstance({ code: 'ERR_INTERNAL' })).toBe(false);
  });
  it('isWritError filters by code', () => {
    const error = new WritError('ERR_KEY_UNKNOWN', 'unknown key');
    expect(isWritError(error, 'ERR_KEY_UNKNOWN')).toBe(true);
    expect(isWritError(error, 'ERR_KEY_INVALID')).toBe(false);
  });
});
