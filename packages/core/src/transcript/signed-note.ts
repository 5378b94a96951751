/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures (type 0x01).
 *
 * A note is UTF-8 text ending in a newline, a blank line, then one signature line per
 * signer: `— <key name> <base64(key hash || signature)>\n`. The key hash is the first four
 * bytes of SHA-256(name || "\n" || 0x01 || public key).
 */
import { WritError } from '../errors.ts';
import { sha256 } from '../crypto/digest.ts';
import { bytesEqual, fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { verifySignature } from '../crypto/signer.ts';
import { assertBytesArgument, assertOptions, invalidArgument } from '../invalid-argument.ts';

const ED25519 = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
const MAX_SIGNATURES = 100;
const encoder = new TextEncoder();

/** A verifier key of a signed note: name, key hash and Ed25519 public key. */
export interface NoteVerifierKey {
  readonly name: string;
  /** 4-byte key hash as an unsigned integer. */
  readonly keyHash: number;
  readonly publicKey: Uint8Array;
}

/** One signature line of a note, with whether a known key verified it. */
export interface NoteSignature {
  readonly name: string;
  readonly keyHash: number;
  /** The 64-byte signature. */
  readonly signature: Uint8Array;
  /** The verifier key that checked it, when the key is known. */
  readonly key: NoteVerifierKey | undefined;
}

/** A parsed note whose known signatures all verified. */
export interface OpenedNote {
  /** The signed text (ends with a newline). */
  readonly text: string;
  /** Signatures by known keys, all verified. */
  readonly verified: readonly NoteSignature[];
  /** Signature lines by keys the caller did not know (not checked). */
  readonly unknown: readonly NoteSignature[];
}

function malformed(reason: string): WritError {
  return new WritError('ERR_NOTE_MALFORMED', 'signed note is malformed', { details: { reason } });
}

function assertKeyName(name: unknown, parameter: string): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || /[\s+]/u.test(name) || name.length > 1024) {
    throw new WritError(
      'ERR_INVALID_ARGUMENT',
      `${parameter} must be a non-empty key name without spaces or "+"`,
      {
        details: { parameter },
      },
    );
  }
}

/** C2SP signed-note key hash of an Ed25519 key: first 4 bytes of SHA-256(name || "\n" || 0x01 || key). */
export function noteKeyHash(name: string, publicKey: Uint8Array): number {
  assertKeyName(name, 'name');
  assertBytesArgument(publicKey, 'publicKey');
  const nameBytes = encoder.encode(`${name}\n`);
  const input = new Uint8Array(nameBytes.length + 1 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = ED25519;
  input.set(publicKey, nameBytes.length + 1);
  return new DataView(sha256(input).buffer.slice(0)).getUint32(0);
}

/** The verifier key string `<name>+<hash hex>+<base64(0x01 || key)>`. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw invalidArgument('publicKey', 'must be a 32-byte Ed25519 public key');
  }
  const hash = noteKeyHash(name, publicKey).toString(16).padStart(8, '0');
  const body = new Uint8Array(33);
  body[0] = ED25519;
  body.set(publicKey, 1);
  return `${name}+${hash}+${toBase64(body)}`;
}

/**
 * Parse a verifier key string; the key hash is recomputed and must match.
 * @throws `ERR_NOTE_MALFORMED` (syntax, unsupported algorithm, wrong hash).
 */
export function parseVerifierKey(vkey: unknown): NoteVerifierKey {
  if (typeof vkey !== 'string') throw malformed('verifier key is not a string');
  // The base64 key may itself contain '+': split only at the first two.
  const match = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/su.exec(vkey);
  if (match === null) throw malformed('verifier key syntax');
  const [, name, hashHex, keyB64] = match as unknown as [string, string, string, string];
  if (name.length === 0 || /\s/u.test(name)) throw malformed('verifier key name');
  let body: Uint8Array;
  try {
    body = fromBase64(keyB64);
  } catch {
    throw malformed('verifier key encoding');
  }
  if (body.length !== 33 || body[0] !== ED25519) throw malformed('verifier key algorithm');
  const publicKey = body.slice(1);
  const keyHash = noteKeyHash(name, publicKey);
  if (keyHash !== Number.parseInt(hashHex, 16)) throw malformed('verifier key hash');
  return { name, keyHash, publicKey };
}

/** Options for {@link signNote}. */
export interface SignNoteOptions {
  /** The note text: UTF-8, newline-terminated, no other control characters. */
  readonly text: string;
  /** The key name written on the signature line (for checkpoints: the log origin). */
  readonly name: string;
  readonly signer: Signer;
}

function assertNoteText(text: unknown): asserts text is string {
  if (
    typeof text !== 'string' ||
    !text.endsWith('\n') ||
    text.includes('\n\n') ||
    /[\u0000-\u0009\u000b-\u001f\u007f]/u.test(text)
  ) {
    throw new WritError(
      'ERR_INVALID_ARGUMENT',
      'text must be newline-terminated note text without blank lines or control characters',
      {
        details: { parameter: 'text' },
      },
    );
  }
}

/**
 * Sign `text` as a C2SP signed note with one Ed25519 signature.
 * @throws `ERR_INVALID_ARGUMENT` (text or name malformed).
 * @example
 * ```ts
 * const note = signNote({ text: 'example.com/log\n1\n<root>\n', name: 'example.com/log', signer });
 * ```
 */
export function signNote(options: SignNoteOptions): string {
  assertOptions(options);
  const { text, name, signer } = options;
  assertNoteText(text);
  assertKeyName(name, 'name');
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function') {
    throw invalidArgument('options.signer', 'must be a Signer');
  }
  const hash = noteKeyHash(name, signer.publicKey);
  const signature = signer.sign(encoder.encode(text));
  const blob = new Uint8Array(4 + signature.length);
  new DataView(blob.buffer).setUint32(0, hash);
  blob.set(signature, 4);
  return `${text}\n${SIGNATURE_PREFIX}${name} ${toBase64(blob)}\n`;
}

/** Split a note into its text and signature lines without verifying. @throws `ERR_NOTE_MALFORMED`. */
export function parseNote(note: unknown): {
  text: string;
  signatures: Omit<NoteSignature, 'key'>[];
} {
  if (typeof note !== 'string' || note.length > 1_000_000)
    throw malformed('note is not a string of sensible size');
  if (!note.endsWith('\n')) throw malformed('note does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no signature block');
  const text = note.slice(0, split + 1);
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/u.test(text))
    throw malformed('control character in text');
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed('too many signatures');
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line prefix');
    const parts = line.slice(SIGNATURE_PREFIX.length).split(' ');
    if (parts.length !== 2 || parts[0]!.length === 0) throw malformed('signature line syntax');
    let blob: Uint8Array;
    try {
      blob = fromBase64(parts[1]!);
    } catch {
      throw malformed('signature encoding');
    }
    if (blob.length < 5) throw malformed('signature too short');
    const keyHash = new DataView(blob.buffer, blob.byteOffset).getUint32(0);
    return { name: parts[0]!, keyHash, signature: blob.slice(4) };
  });
  return { text, signatures };
}

/**
 * Parse a note and verify every signature made by one of `keys` (matched by name and key
 * hash). Signatures by unknown keys are returned unchecked.
 * @throws `ERR_NOTE_MALFORMED`; `ERR_NOTE_UNVERIFIED` when a known key's signature fails
 *   or when no known key signed the note.
 */
export function openNote(note: unknown, keys: readonly NoteVerifierKey[]): OpenedNote {
  const list: unknown = keys;
  if (!Array.isArray(list) || !list.every((key) => typeof key === 'object' && key !== null)) {
    throw invalidArgument('keys', 'must be an array of verifier keys');
  }
  const { text, signatures } = parseNote(note);
  const message = encoder.encode(text);
  const verified: NoteSignature[] = [];
  const unknown: NoteSignature[] = [];
  for (const signature of signatures) {
    const key = keys.find(
      (candidate) => candidate.name === signature.name && candidate.keyHash === signature.keyHash,
    );
    if (key === undefined) {
      unknown.push({ ...signature, key: undefined });
      continue;
    }
    const ok =
      signature.signature.length === 64 &&
      verifySignature({ publicKey: key.publicKey, message, signature: signature.signature });
    if (!ok)
      throw new WritError('ERR_NOTE_UNVERIFIED', 'signed note signature is invalid', {
        details: { keyName: key.name },
      });
    if (
      !verified.some((seen) => seen.key === key && bytesEqual(seen.signature, signature.signature))
    )
      verified.push({ ...signature, key });
  }
  if (verified.length === 0)
    throw new WritError('ERR_NOTE_UNVERIFIED', 'signed note has no signature by a known key');
  return { text, verified, unknown };
}
