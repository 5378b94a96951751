/**
 * Byte ↔ text encodings with strict decoders: a decoder refuses anything that is not the
 * one canonical encoding of some byte string (bad characters, wrong padding, non-zero
 * trailing bits), so two different strings never decode to the same bytes.
 */
import { WritError } from '../errors.ts';
import { assertParameterName } from '../invalid-argument.ts';

const HEX = /^(?:[0-9a-f]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/]*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// Buffer is used when present (Node, Bun, Deno) because it is much faster; browsers fall back.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

function invalid(parameter: string, what: string): WritError {
  assertParameterName(parameter);
  return new WritError('ERR_ENCODING_INVALID', `${parameter} is not valid ${what}`, { details: { parameter } });
}

/** Throws `ERR_INVALID_ARGUMENT` unless `value` is a Uint8Array. */
export function assertBytes(value: unknown, parameter: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    assertParameterName(parameter);
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be a Uint8Array`, { details: { parameter } });
  }
}

function assertString(value: unknown, parameter: string): asserts value is string {
  if (typeof value !== 'string') {
    assertParameterName(parameter);
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be a string`, { details: { parameter } });
  }
}

/** Lowercase hex of `bytes`. @throws WritError `ERR_INVALID_ARGUMENT` */
export function toHex(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/**
 * Decodes lowercase hex (even length, `[0-9a-f]` only).
 * @throws WritError `ERR_INVALID_ARGUMENT` (not a string), `ERR_ENCODING_INVALID`
 */
export function fromHex(text: string, parameter = 'hex'): Uint8Array {
  assertString(text, parameter);
  if (!HEX.test(text)) throw invalid(parameter, 'lowercase hex');
  const out = new Uint8Array(text.length / 2);
  for (let index = 0; index < out.length; index++) out[index] = parseInt(text.slice(index * 2, index * 2 + 2), 16);
  return out;
}

function encode64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let out = '';
  for (let index = 0; index < bytes.length; index += 3) {
    const chunk = (bytes[index]! << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
    const left = bytes.length - index;
    out += B64_ALPHABET[(chunk >> 18) & 63]! + B64_ALPHABET[(chunk >> 12) & 63]!;
    out += left > 1 ? B64_ALPHABET[(chunk >> 6) & 63]! : '=';
    out += left > 2 ? B64_ALPHABET[chunk & 63]! : '=';
  }
  return out;
}

/** Standard base64 (RFC 4648 §4) with padding. @throws WritError `ERR_INVALID_ARGUMENT` */
export function toBase64(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  return encode64(bytes);
}

/** URL-safe base64 (RFC 4648 §5) without padding. @throws WritError `ERR_INVALID_ARGUMENT` */
export function toBase64Url(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes');
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return encode64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

// Decodes unpadded standard-alphabet base64 already checked against BASE64.
function decode64(body: string, parameter: string): Uint8Array {
  if (body.length % 4 === 1) throw invalid(parameter, 'base64');
  let bytes: Uint8Array;
  if (NodeBuffer) {
    const decoded = NodeBuffer.from(body, 'base64');
    bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  } else {
    const binary = atob(body + '='.repeat((4 - (body.length % 4)) % 4));
    bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  }
  // RFC 4648 §3.5: canonical encodings have zero pad bits; re-encode to check.
  const again = encode64(bytes);
  const unpadded = again.endsWith('==') ? again.slice(0, -2) : again.endsWith('=') ? again.slice(0, -1) : again;
  if (unpadded !== body) throw invalid(parameter, 'canonical base64');
  return bytes;
}

function splitPadding(text: string, parameter: string): string {
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (pad > 0 && text.length % 4 !== 0) throw invalid(parameter, 'base64 (padding)');
  return pad === 0 ? text : text.slice(0, -pad);
}

/**
 * Decodes standard base64; padding is optional but, when present, must be exact.
 * @throws WritError `ERR_INVALID_ARGUMENT` (not a string), `ERR_ENCODING_INVALID`
 */
export function fromBase64(text: string, parameter = 'base64'): Uint8Array {
  assertString(text, parameter);
  const body = splitPadding(text, parameter);
  // With Buffer, decode64's re-encoding check already refuses every character outside the alphabet.
  if (!NodeBuffer && !BASE64.test(body)) throw invalid(parameter, 'base64');
  return decode64(body, parameter);
}

/**
 * Decodes URL-safe base64; padding is optional but, when present, must be exact.
 * @throws WritError `ERR_INVALID_ARGUMENT` (not a string), `ERR_ENCODING_INVALID`
 */
export function fromBase64Url(text: string, parameter = 'base64url'): Uint8Array {
  assertString(text, parameter);
  const body = splitPadding(text, parameter);
  if (!BASE64URL.test(body)) throw invalid(parameter, 'base64url');
  return decode64(body.replace(/-/g, '+').replace(/_/g, '/'), parameter);
}

/**
 * Decodes either alphabet (as DSSE requires of readers), but not a mix of both.
 * @throws WritError `ERR_INVALID_ARGUMENT` (not a string), `ERR_ENCODING_INVALID`
 */
export function fromBase64Any(text: string, parameter = 'base64'): Uint8Array {
  assertString(text, parameter);
  return /[-_]/.test(text) ? fromBase64Url(text, parameter) : fromBase64(text, parameter);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string. @throws WritError `ERR_INVALID_ARGUMENT` */
export function utf8(text: string): Uint8Array {
  assertString(text, 'text');
  if (NodeBuffer) {
    // Buffer.from takes small results from Node's shared pool (no separate allocation).
    const encoded = NodeBuffer.from(text, 'utf8');
    return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  }
  return utf8Encoder.encode(text);
}

/** Strict UTF-8 decode. @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_ENCODING_INVALID` */
export function fromUtf8(bytes: Uint8Array, parameter = 'bytes'): string {
  assertBytes(bytes, parameter);
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw invalid(parameter, 'UTF-8');
  }
}

/** Constant-structure byte equality (length first, then every byte). */
export function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  assertBytes(left, 'left');
  assertBytes(right, 'right');
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index++) difference |= left[index]! ^ right[index]!;
  return difference === 0;
}
