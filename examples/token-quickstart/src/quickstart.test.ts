import { describe, expect, it } from 'vitest';
import { runQuickstart } from './quickstart.ts';

describe('runQuickstart', () => {
  it('accepts the genuine call and refuses the tampered token and the changed recipient', () => {
    const steps = runQuickstart();
    expect(steps.map((step) => step.outcome)).toEqual(['accepted', 'accepted', 'refused', 'refused']);
    expect(steps[2]!.detail).toMatch(/^ERR_TOKEN_SIGNATURE|^ERR_SIGNATURE_INVALID/);
    expect(steps[3]!.detail).toMatch(/^ERR_TOKEN_INTENT/);
  });
});
