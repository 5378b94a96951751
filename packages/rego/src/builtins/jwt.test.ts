import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { call, callError } from './test-call.ts';

// RFC 7515 Appendix A.1 (HS256) test vector.
const rfcKey = JSON.stringify({
  kty: 'oct',
  k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
});
const rfcHeader = '{"typ":"JWT",\r\n "alg":"HS256"}';
const rfcPayload = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}';
const rfcToken =
  'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('io.jwt.encode_sign_raw', () => {
  it('reproduces RFC 7515 A.1', () => {
    expect(call('io.jwt.encode_sign_raw', rfcHeader, rfcPayload, rfcKey)).toBe(rfcToken);
  });
  it('reports header and payload errors like OPA', () => {
    expect(callError('io.jwt.encode_sign_raw', '{}', '{}', rfcKey).message).toContain('unsupported signature algorithm');
    expect(callError('io.jwt.encode_sign_raw', '{"alg":"dummy"}', '{}', rfcKey).message).toContain('unknown signature algorithm');
    expect(callError('io.jwt.encode_sign_raw', rfcHeader, 'e', rfcKey).message).toContain('type is JWT but payload is not JSON');
  });
});

describe('io.jwt.decode', () => {
  it('splits header, payload and hex signature', () => {
    const [header, payload, signature] = call('io.jwt.decode', rfcToken) as [unknown, unknown, string];
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(payload).toEqual({ iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true });
    expect(signature).toBe('7418dfb49799e0254ffa607dd8adbbba16d4254d69d6bff05b58055853848d79');
  });
  it('rejects malformed tokens with OPA’s messages', () => {
    expect(callError('io.jwt.decode', 'abc').message).toBe('io.jwt.decode: encoded JWT had no period separators');
    expect(callError('io.jwt.decode', 'a.b').message).toBe('io.jwt.decode: encoded JWT must have 3 sections, found 2');
    expect(callError('io.jwt.decode', 'eyJhbGciOiJIUzI1NiJ9.e$.x').message).toContain('JWT payload had invalid encoding');
    expect(callError('io.jwt.decode', 1).code).toBe('eval_type_error');
  });
});

describe('io.jwt.verify_*', () => {
  it('verifies HMAC tokens and rejects tampering', () => {
    const key = { kty: 'oct', k: Buffer.from('s3cret').toString('base64url') };
    const token = call('io.jwt.encode_sign', { alg: 'HS512' }, { a: 1 }, key) as string;
    expect(call('io.jwt.verify_hs512', token, 's3cret')).toBe(true);
    expect(call('io.jwt.verify_hs512', token, 'other')).toBe(false);
    expect(call('io.jwt.verify_hs256', token, 's3cret')).toBe(false);
    expect(call('io.jwt.verify_hs256', rfcToken.replace('.dB', '.dC'), 'whatever')).toBe(false);
  });
  it('verifies RS256, PS384, ES256 and EdDSA signatures made with generated keys', () => {
    const cases = [
      { alg: 'RS256', pair: generateKeyPairSync('rsa', { modulusLength: 2048 }) },
      { alg: 'PS384', pair: generateKeyPairSync('rsa', { modulusLength: 2048 }) },
      { alg: 'ES256', pair: generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
      { alg: 'EdDSA', pair: generateKeyPairSync('ed25519') },
    ];
    for (const { alg, pair } of cases) {
      const jwk = JSON.stringify(pair.privateKey.export({ format: 'jwk' }));
      const token = call('io.jwt.encode_sign', { alg }, { sub: 'x' }, JSON.parse(jwk)) as string;
      const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
      const name = alg === 'EdDSA' ? 'io.jwt.verify_eddsa' : `io.jwt.verify_${alg.toLowerCase()}`;
      expect(call(name, token, pem)).toBe(true);
      const [header, payload, signature] = token.split('.');
      const forged = `${header}.${Buffer.from('{"sub":"y"}').toString('base64url')}.${signature}`;
      expect(call(name, forged, pem)).toBe(false);
      expect(payload).toBeDefined();
    }
  });
});

describe('io.jwt.decode_verify', () => {
  const secret = 'secret';
  const sign = (payload: object): string => call('io.jwt.encode_sign', { alg: 'HS256', typ: 'JWT' }, payload, {
    kty: 'oct', k: Buffer.from(secret).toString('base64url'),
  }) as string;
  it('checks signature, exp, nbf, iss and aud against the constraint time', () => {
    const token = sign({ iss: 'me', aud: 'you', exp: 2000, nbf: 1000 });
    const ok = call('io.jwt.decode_verify', token, { secret, iss: 'me', aud: 'you', time: 1500e9 }) as unknown[];
    expect(ok[0]).toBe(true);
    expect(ok[2]).toEqual({ iss: 'me', aud: 'you', exp: 2000, nbf: 1000 });
    expect(call('io.jwt.decode_verify', token, { secret, aud: 'you', time: 2500e9 })).toEqual([false, {}, {}]);
    expect(call('io.jwt.decode_verify', token, { secret, aud: 'you', time: 500e9 })).toEqual([false, {}, {}]);
    expect(call('io.jwt.decode_verify', token, { secret, time: 1500e9 })).toEqual([false, {}, {}]);
    expect(call('io.jwt.decode_verify', token, { secret: 'wrong', aud: 'you', time: 1500e9 })).toEqual([false, {}, {}]);
  });
  it('rejects unknown and conflicting constraints', () => {
    const token = sign({});
    expect(callError('io.jwt.decode_verify', token, { secret, foo: 1 }).message).toContain('unknown token validation constraint: foo');
    expect(callError('io.jwt.decode_verify', token, {}).message).toContain('no key constraint');
  });
  it('any change to a signed payload fails verification', () => {
    const token = sign({ n: 1 });
    const [header, , signature] = token.split('.');
    fc.assert(fc.property(fc.integer({ min: 2, max: 1e6 }), (n) => {
      const forged = `${header}.${Buffer.from(JSON.stringify({ n })).toString('base64url')}.${signature}`;
      return (call('io.jwt.decode_verify', forged, { secret, time: 0 }) as unknown[])[0] === false;
    }), { numRuns: 50 });
  });
});
