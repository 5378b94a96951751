/**
 * The project's private-key file, as `writ init` and `writ keys generate` write it
 * (`.writ/keys/NAME.key`): JSON `{ keyId, seed }`, the seed a base64url 32-byte Ed25519 seed.
 * Read by the CLI (every key it loads from `.writ/keys`) and by the authority
 * (`authorityKeyFile`), so both accept and refuse the same files with the same words.
 */
import { WritError } from '../errors.ts';
import { invalidArgument } from '../invalid-argument.ts';
import { fromBase64Url } from './encoding.ts';
import { PrivateKey } from './keys.ts';

function refused(source: string, what: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${source}: ${what}`, { details: { parameter: 'text' } });
}

/**
 * The private key in the text of a key file (JSON `{ keyId, seed }`). A `keyId` that is not the
 * seed's is refused — the file was edited or mixed up; a file without `keyId` is read by its seed.
 * Error messages never contain the seed.
 * @param text the file's text.
 * @param source how to name the file at the start of error messages (e.g. its path).
 * @throws `ERR_INVALID_ARGUMENT` with `details.parameter` `text` and the message
 *   "`source`: not a key file (JSON { keyId, seed })" (not JSON), "`source`: not a 32-byte
 *   base64url seed (key file)" (no such `seed`) or "`source`: key id "…" does not match the seed
 *   (whose key id is …)"; `ERR_INVALID_ARGUMENT` naming `text` or `source` when it is not a string.
 */
export function parseKeyFile(text: string, source: string): PrivateKey {
  if (typeof text !== 'string') throw invalidArgument('text', 'must be a string');
  if (typeof source !== 'string') throw invalidArgument('source', 'must be a string');
  let parsed: { keyId?: unknown; seed?: unknown } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw refused(source, 'not a key file (JSON { keyId, seed })');
  }
  let key: PrivateKey;
  try {
    key = PrivateKey.fromSeed(fromBase64Url(parsed?.seed as string, 'seed'));
  } catch {
    throw refused(source, 'not a 32-byte base64url seed (key file)');
  }
  const keyId = (parsed as { keyId?: unknown }).keyId;
  if (keyId !== undefined && keyId !== key.keyId) {
    throw refused(source, `key id ${JSON.stringify(keyId)} does not match the seed (whose key id is ${key.keyId})`);
  }
  return key;
}
