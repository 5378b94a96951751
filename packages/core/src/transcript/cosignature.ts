/**
 * C2SP tlog-cosignature v1 with Ed25519 (https://c2sp.org/tlog-cosignature, type 0x04): a
 * witness's statement that, as of a time, the checkpoint is the largest consistent tree it
 * has seen for the log. A cosignature is one more signature line on the checkpoint note:
 *
 *   — <witness name> base64(key ID[4] || u64 big-endian timestamp[8] || Ed25519 signature[64])
 *
 * The key ID is SHA-256(name || "\n" || 0x04 || public key)[:4]; the signed message is
 * `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint body (with its extension
 * lines, without signature lines). The message does not include the witness name, so one key
 * must never serve two witness names (the spec's rule; nothing here can enforce it).
 */
import { WritError } from '../errors.ts';
import { sha256 } from '../crypto/digest.ts';
import { fromBase64, toBase64, toHex } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { verifySignature } from '../crypto/signer.ts';
import { assertOptions, invalidArgument } from '../invalid-argument.ts';
import { parseNote } from './signed-note.ts';

const COSIGNATURE_V1 = 0x04;
const SIGNATURE_PREFIX = '\u2014 ';
const encoder = new TextEncoder();
/** Largest timestamp the format allows (2^63 - 1). */
const MAX_TIMESTAMP = (1n << 63n) - 1n;

/** A witness (cosigner) key: name, key ID and Ed25519 public key. */
export interface CosignerKey {
  readonly name: string;
  /** 4-byte key ID as an unsigned integer. */
  readonly keyHash: number;
  readonly publicKey: Uint8Array;
}

/** One verified cosignature. */
export interface VerifiedCosignature {
  readonly key: CosignerKey;
  /** When the witness cosigned, POSIX seconds. */
  readonly timestamp: number;
}

function malformed(reason: string): WritError {
  return new WritError('ERR_NOTE_MALFORMED', 'signed note is malformed', { details: { reason } });
}

// A signed-note key name: non-empty, no Unicode spaces or "+" (signed-note), and no control
// characters (a note may hold none, signature lines included).
function isKeyName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= 1024 && !/[\s+\p{Cc}]/u.test(name);
}

function assertName(name: unknown, parameter: string): asserts name is string {
  if (!isKeyName(name)) {
    throw invalidArgument(parameter, 'must be a non-empty key name without spaces, control characters or "+"');
  }
}

function assertPublicKey(publicKey: unknown, parameter: string): asserts publicKey is Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw invalidArgument(parameter, 'must be a 32-byte Ed25519 public key');
  }
}

/** Key ID of an Ed25519 cosigner key: first 4 bytes of SHA-256(name || "\n" || 0x04 || key). */
export function cosignerKeyHash(name: string, publicKey: Uint8Array): number {
  assertName(name, 'name');
  assertPublicKey(publicKey, 'publicKey');
  const nameBytes = encoder.encode(`${name}\n`);
  const input = new Uint8Array(nameBytes.length + 33);
  input.set(nameBytes);
  input[nameBytes.length] = COSIGNATURE_V1;
  input.set(publicKey, nameBytes.length + 1);
  return new DataView(sha256(input).buffer.slice(0)).getUint32(0);
}

/** The witness verifier key string `<name>+<key ID hex>+<base64(0x04 || key)>`. */
export function formatCosignerKey(name: string, publicKey: Uint8Array): string {
  const hash = cosignerKeyHash(name, publicKey).toString(16).padStart(8, '0');
  const body = new Uint8Array(33);
  body[0] = COSIGNATURE_V1;
  body.set(publicKey, 1);
  return `${name}+${hash}+${toBase64(body)}`;
}

/**
 * Parse a witness verifier key (signature type 0x04); the key ID is recomputed and must match.
 * @throws `ERR_NOTE_MALFORMED` (syntax, another signature type, wrong key ID).
 */
export function parseCosignerKey(vkey: unknown): CosignerKey {
  if (typeof vkey !== 'string' || vkey.length > 2048) throw malformed('witness key is not a string of sensible size');
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/u.exec(vkey);
  if (match === null) throw malformed('witness key syntax');
  const [, name, hashHex, keyB64] = match as unknown as [string, string, string, string];
  // Checked here so a bad name is ERR_NOTE_MALFORMED like the rest of the string, not the
  // ERR_INVALID_ARGUMENT cosignerKeyHash would raise.
  if (!isKeyName(name)) throw malformed('witness key name');
  let body: Uint8Array;
  try {
    body = fromBase64(keyB64);
  } catch {
    throw malformed('witness key encoding');
  }
  if (body.length !== 33 || body[0] !== COSIGNATURE_V1) {
    throw malformed(body[0] === 0x01 ? 'witness key is a note signer key (type 0x01), not a cosignature/v1 key (type 0x04)' : 'witness key algorithm');
  }
  const publicKey = body.slice(1);
  const keyHash = cosignerKeyHash(name, publicKey);
  if (keyHash !== Number.parseInt(hashHex, 16)) throw malformed('witness key ID');
  return { name, keyHash, publicKey };
}

function message(text: string, timestamp: bigint): Uint8Array {
  return encoder.encode(`cosignature/v1\ntime ${timestamp.toString()}\n${text}`);
}

function toTimestamp(time: unknown): bigint {
  const ms = time instanceof Date ? time.getTime() : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) throw invalidArgument('options.time', 'must be a valid Date not before 1970');
  return BigInt(Math.floor(ms / 1000));
}

/**
 * Add a cosignature line to a signed checkpoint note (its existing signatures are kept and not
 * checked: a witness checks the checkpoint and its consistency before calling this).
 * @throws `ERR_INVALID_ARGUMENT` (options), `ERR_NOTE_MALFORMED` (note).
 * @example
 * ```ts
 * const cosigned = cosignCheckpoint({ note, name: 'witness.example/w1', signer, time: new Date() });
 * ```
 */
export function cosignCheckpoint(options: {
  readonly note: string;
  readonly name: string;
  readonly signer: Signer;
  readonly time: Date;
}): string {
  assertOptions(options);
  const { note, name, signer } = options;
  assertName(name, 'options.name');
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function') {
    throw invalidArgument('options.signer', 'must be a Signer');
  }
  assertPublicKey(signer.publicKey, 'options.signer.publicKey');
  const timestamp = toTimestamp(options.time);
  const { text } = parseNote(note);
  const signature: unknown = signer.sign(message(text, timestamp));
  // A signature of another length would be written as a line no verifier accepts (or raise a
  // raw RangeError when longer).
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw invalidArgument('options.signer', 'must return a 64-byte Ed25519 signature');
  }
  const blob = new Uint8Array(76);
  const view = new DataView(blob.buffer);
  view.setUint32(0, cosignerKeyHash(name, signer.publicKey));
  view.setBigUint64(4, timestamp);
  blob.set(signature, 12);
  const cosigned = `${note}${SIGNATURE_PREFIX}${name} ${toBase64(blob)}\n`;
  // Never hand out a note parseNote refuses (one signature line past its limit, or past its size).
  parseNote(cosigned);
  return cosigned;
}

/**
 * @internal Check one witness key object as {@link parseCosignerKey} returns it: a key name,
 * the cosignature/v1 key ID of that name and key, a 32-byte Ed25519 public key.
 * @throws `ERR_INVALID_ARGUMENT` naming `parameter`.
 */
export function assertCosignerKey(key: unknown, parameter: string): asserts key is CosignerKey {
  const { name, keyHash, publicKey } = (typeof key === 'object' && key !== null ? key : {}) as Partial<CosignerKey>;
  if (!isKeyName(name) || !(publicKey instanceof Uint8Array) || publicKey.length !== 32 || keyHash !== cosignerKeyHash(name, publicKey)) {
    throw invalidArgument(parameter, 'must be a witness key (parseCosignerKey): a key name, its cosignature/v1 key ID and a 32-byte Ed25519 public key');
  }
}

/**
 * @internal Check a list of witness keys as `verifyCosignatures` and the verifiers take it:
 * a dense array of witness keys, no witness twice — neither one name nor one public key
 * twice. The Ed25519 cosigned message does not commit to the witness name, so a cosignature
 * by a key listed under two names would be relabelled and counted twice; a name listed with
 * two keys is one party holding both. The caller's key objects are kept (a quorum counts them
 * by identity).
 * @throws `ERR_INVALID_ARGUMENT` naming `parameter`.
 */
export function assertCosignerKeys(keys: unknown, parameter: string): asserts keys is readonly CosignerKey[] {
  if (!Array.isArray(keys)) throw invalidArgument(parameter, 'must be an array of witness keys (parseCosignerKey)');
  const names = new Set<string>();
  const publicKeys = new Set<string>();
  // An index loop, not every(): every() skips the holes of a sparse array.
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    assertCosignerKey(key, `${parameter}[${i}]`);
    const hex = toHex(key.publicKey);
    if (names.has(key.name) || publicKeys.has(hex)) {
      throw invalidArgument(parameter, 'must not list a witness twice (one name with two keys, or one key under two names)');
    }
    names.add(key.name);
    publicKeys.add(hex);
  }
}

/**
 * Verify the cosignatures on `note` by the given witness keys (matched by name and key ID;
 * other signature lines are ignored). One valid cosignature per witness is returned, the
 * latest when a witness signed more than once. A key listed twice (one name with two keys, one
 * key under two names) is refused: the result counts witnesses.
 * @throws `ERR_NOTE_MALFORMED` (note or a cosignature line of a known witness malformed,
 *   timestamp beyond 2^63 - 1); `ERR_NOTE_UNVERIFIED` when a known witness's cosignature does
 *   not verify (a forged or altered checkpoint); `ERR_INVALID_ARGUMENT` (keys malformed or a
 *   witness listed twice).
 */
export function verifyCosignatures(note: unknown, keys: readonly CosignerKey[]): VerifiedCosignature[] {
  assertCosignerKeys(keys, 'keys');
  const { text, signatures } = parseNote(note);
  const out = new Map<CosignerKey, VerifiedCosignature>();
  for (const line of signatures) {
    const key = keys.find((candidate) => candidate.name === line.name && candidate.keyHash === line.keyHash);
    if (key === undefined) continue;
    // parseNote took the 4-byte key ID off: 8 bytes of timestamp and 64 of signature remain.
    if (line.signature.length !== 72) throw malformed('cosignature length');
    const view = new DataView(line.signature.buffer, line.signature.byteOffset, 8);
    const timestamp = view.getBigUint64(0);
    if (timestamp > MAX_TIMESTAMP) throw malformed('cosignature timestamp');
    const ok = verifySignature({ publicKey: key.publicKey, message: message(text, timestamp), signature: line.signature.subarray(8) });
    if (!ok) {
      throw new WritError('ERR_NOTE_UNVERIFIED', 'witness cosignature is invalid', { details: { keyName: key.name } });
    }
    const seconds = Number(timestamp);
    const seen = out.get(key);
    if (seen === undefined || seen.timestamp < seconds) out.set(key, { key, timestamp: seconds });
  }
  return [...out.values()];
}
