import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/canonicalize.ts';
import { outcome } from '../crypto/canonical-text-test-support.ts';
import { approvalRequestText, intentObject, intentText, receiptIdText, receiptText } from './canonical-shapes.ts';
import type { ReceiptPayload } from './canonical-shapes.ts';
import { checkCall, knownCanonicalArgs } from './guard-input.ts';

// Any UTF-16 code units, lone surrogates and characters JSON escapes included.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
);


const same = (fast: () => string, generic: () => unknown) => expect(outcome(fast)).toBe(outcome(() => canonicalize(generic())));

describe('canonical shapes', () => {
  it('write the intent as canonicalize does, around the checked call’s canonical arguments', () => {
    fc.assert(
      fc.property(fc.record({ tool: text, audience: text, principal: text, tenant: fc.option(text, { nil: null }) }), fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), (fields, raw) => {
        let call;
        try {
          call = checkCall({ tool: 'email.send', callId: 'c1', args: raw });
        } catch {
          return; // arguments that are not JSON never reach the intent
        }
        const all = { ...fields, args: call.args };
        expect(knownCanonicalArgs(call)).toBe(call.canonicalArgs);
        same(() => intentText(all, knownCanonicalArgs(call)), () => intentObject(all));
        same(() => intentText(all, undefined), () => intentObject(all));
      }),
      { numRuns: 400 },
    );
  });

  it('trusts canonical arguments only from a call checkCall made', () => {
    const call = checkCall({ tool: 't', callId: 'c1', args: { a: 1 } });
    expect(knownCanonicalArgs({ ...call, canonicalArgs: '{"a":2}' })).toBeUndefined();
    expect(knownCanonicalArgs(call)).toBe('{"a":1}');
  });

  it('write the approval request and receipt ids as canonicalize does', () => {
    fc.assert(
      fc.property(text, text, text, fc.option(text, { nil: null }), (a, b, c, d) => {
        same(() => approvalRequestText({ session: a, call: b, intent: c }), () => ({ v: 'writ.approval-request/v1', session: a, call: b, intent: c }));
        same(() => receiptIdText({ callId: a, sessionId: b, tokenId: d }), () => ({ callId: a, sessionId: b, tokenId: d }));
      }),
      { numRuns: 400 },
    );
  });

  it('write a receipt payload as canonicalize does', () => {
    const payload = fc.record({
      v: fc.constant(1 as const),
      id: text,
      iss: text,
      iat: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(1.5, -0, Number.MAX_SAFE_INTEGER + 2, Number.NaN)),
      callId: text,
      tokenId: fc.option(text, { nil: null }),
      tool: text,
      intentDigest: text,
      argsDigest: text,
      resultDigest: fc.option(text, { nil: null }),
      status: fc.constantFrom('succeeded', 'failed'),
      startedAt: text,
      finishedAt: text,
      error: fc.option(fc.record({ name: text, message: text }), { nil: undefined }),
    });
    fc.assert(
      fc.property(payload, (p) => {
        const value = (p.error === undefined ? (({ error: _e, ...rest }) => rest)(p) : p) as ReceiptPayload;
        same(() => receiptText(value), () => value);
      }),
      { numRuns: 400 },
    );
  });
});
