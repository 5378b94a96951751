// Every public trust-primitive function, called with garbage, either returns or throws a
// WritError — never a raw TypeError/RangeError from deep inside.
import { describe, expect, it } from 'vitest';
import * as core from './index.ts';
import { garbageValues } from './malformed-inputs-test-support.ts';

const garbage = garbageValues();

const key = core.PrivateKey.fromSeed(new Uint8Array(32).fill(1));
const signer = core.createSigner(key);
const trustRoot = core.createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [{ keyId: key.keyId, publicKey: core.toBase64Url(key.publicKey), roles: ['root', 'authority', 'approver'], owner: 'o', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
});

type Call = (a: unknown, b: unknown) => unknown;
const functions: Record<string, Call> = {
  canonicalize: (a) => core.canonicalize(a),
  canonicalBytes: (a) => core.canonicalBytes(a),
  toHex: (a) => core.toHex(a as never),
  fromHex: (a) => core.fromHex(a as never),
  toBase64: (a) => core.toBase64(a as never),
  fromBase64: (a) => core.fromBase64(a as never),
  toBase64Url: (a) => core.toBase64Url(a as never),
  fromBase64Url: (a) => core.fromBase64Url(a as never),
  fromBase64Any: (a) => core.fromBase64Any(a as never),
  utf8: (a) => core.utf8(a as never),
  fromUtf8: (a) => core.fromUtf8(a as never),
  bytesEqual: (a, b) => core.bytesEqual(a as never, b as never),
  sha256: (a) => core.sha256(a as never),
  digest: (a) => core.digest(a),
  digestBytes: (a) => core.digestBytes(a as never),
  isDigest: (a) => core.isDigest(a),
  parseDigest: (a) => core.parseDigest(a),
  digestToBytes: (a) => core.digestToBytes(a as never),
  keyIdOf: (a) => core.keyIdOf(a as never),
  'PrivateKey.fromSeed': (a, b) => core.PrivateKey.fromSeed(a as never, b as never),
  'PrivateKey.generate': (a) => core.PrivateKey.generate(a as never),
  generateKeyPair: (a) => core.generateKeyPair(a as never),
  createSigner: (a, b) => core.createSigner(a as never, b as never),
  'signer.sign': (a) => signer.sign(a as never),
  createVerifier: (a, b) => core.createVerifier(a as never, b as never),
  verifySignature: (a) => core.verifySignature(a as never),
  'nodeBackend.verify': (a, b) => core.nodeBackend.verify(a as never, b as never, a as never),
  pae: (a, b) => core.pae(a as never, b as never),
  signEnvelope: (a) => core.signEnvelope(a as never),
  'signEnvelope(signers)': (a) => core.signEnvelope({ payloadType: 't', payload: new Uint8Array(1), signers: [a] as never }),
  parseEnvelope: (a) => core.parseEnvelope(a),
  verifyEnvelope: (a, b) => core.verifyEnvelope(a, b as never),
  'verifyEnvelope(keys)': (a) => core.verifyEnvelope(core.signEnvelope({ payloadType: 't', payload: new Uint8Array(1), signers: [signer] }), { keys: [a] as never }),
  createTrustRoot: (a) => core.createTrustRoot(a as never),
  'trustRoot.checkKey': (a) => trustRoot.checkKey(a as never),
  'trustRoot.key': (a) => trustRoot.key(a as never),
  'trustRoot.keys': (a) => trustRoot.keys(a as never),
  signTrustRoot: (a) => core.signTrustRoot(a as never),
  verifyTrustRootChain: (a, b) => core.verifyTrustRootChain(a as never, b as never),
  toMillis: (a, b) => core.toMillis(a, b as never),
  mintToken: (a) => core.mintToken(a as never),
  'mintToken(fields)': (a) => core.mintToken({ signer, issuer: a, subject: a, audience: a, command: a, constraints: a, now: a } as never),
  verifyToken: (a, b) => core.verifyToken(a, b as never),
  'verifyToken(options)': (a) => core.verifyToken('{}', { trustRoot, now: new Date(), audience: 'x', call: { command: 'c' }, isConsumed: a, parents: a } as never),
  readTokenPayload: (a) => core.readTokenPayload(a),
  parseTokenPayload: (a) => core.parseTokenPayload(a),
  delegateToken: (a) => core.delegateToken(a as never),
  consumeToken: (a) => core.consumeToken(a as never),
  commandMatches: (a, b) => core.commandMatches(a as never, b as never),
  resourceMatches: (a, b) => core.resourceMatches(a as never, b as never),
  signDenial: (a) => core.signDenial(a as never),
  verifyDenial: (a, b) => core.verifyDenial(a, b as never),
  parseDenialPayload: (a) => core.parseDenialPayload(a),
  signApproval: (a) => core.signApproval(a as never),
  readApproval: (a) => core.readApproval(a),
  parseApprovalPayload: (a) => core.parseApprovalPayload(a),
  verifyApproval: (a, b) => core.verifyApproval(a, b as never),
  verifyApprovalRule: (a, b) => core.verifyApprovalRule(a as never, b as never),
  writPayloadType: (a) => core.writPayloadType(a as never),
  isWritError: (a, b) => core.isWritError(a, b as never),
};

describe('trust-primitive public functions', () => {
  for (const [name, fn] of Object.entries(functions)) {
    it(`${name} answers garbage with a WritError or a value, never a raw error`, async () => {
      const raw: string[] = [];
      for (const a of garbage) {
        for (const b of [undefined, a, {}]) {
          try {
            await fn(a, b);
          } catch (error) {
            if (!core.WritError.isInstance(error)) raw.push(`${typeof a}/${typeof b}: ${String(error)}`);
          }
        }
      }
      expect(raw).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});
