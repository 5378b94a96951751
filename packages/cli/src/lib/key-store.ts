/**
 * The project's key and trust-root store (default `.writ/`): private keys in `keys/NAME.key`
 * (mode 0600, JSON `{ keyId, seed }`, seed base64url) or in `WRIT_KEY_<NAME>` environment
 * variables; every signed trust-root version in `trust-root/NNNN.json`; the newest document
 * in `trust-root.json` (what `writ verify --trust-root` pins). Private keys are never printed.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, realpath, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PrivateKey, createSigner, createTrustRoot, fromBase64Url, isWritError, parseKeyFile, readEvidenceFile, signTrustRoot, toBase64Url, verifyTrustRootChain } from '@writ/core';
import type { Signer, TrustRoot, TrustRootDocument, TrustRootKeyEntry } from '@writ/core';
import { UsageError, fileUsageError } from '../cli-context.ts';
import { evidenceFileError, readTrustRootText } from '../trust-root-file.ts';

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The environment variable that may hold the seed of key `name`. */
export function keyEnvName(name: string): string {
  return `WRIT_KEY_${name.toUpperCase().replace(/-/g, '_')}`;
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new UsageError(`key name ${JSON.stringify(name)}: use lowercase letters, digits and dashes`);
}

/** Write a fresh private key to `dir/keys/NAME.key` (0600). Refuses to overwrite unless `force`. */
export async function generateKeyFile(options: { dir: string; name: string; force?: boolean }): Promise<PrivateKey> {
  checkName(options.name);
  const file = join(options.dir, 'keys', `${options.name}.key`);
  if (existsSync(file) && options.force !== true) throw new UsageError(`${file} exists (use --force to replace it)`);
  await mkdir(join(options.dir, 'keys'), { recursive: true, mode: 0o700 });
  const key = PrivateKey.generate();
  await writeFile(file, `${JSON.stringify({ keyId: key.keyId, seed: toBase64Url(key.exportSeed()) })}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return key;
}

/**
 * The key in the text of a key file as `generateKeyFile` writes it, JSON `{ keyId, seed }`
 * (@writ/core's `parseKeyFile`, which the authority reads `authorityKeyFile` with too). A
 * `keyId` that is not the seed's is refused: the file was edited or mixed up.
 * @param source how to name the file in errors.
 * @throws UsageError with core's message ("`source`: not a key file ...").
 */
export function keyFromFileText(text: string, source: string): PrivateKey {
  try {
    return parseKeyFile(text, source);
  } catch (error) {
    if (isWritError(error, 'ERR_INVALID_ARGUMENT')) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The most bytes a key file named on the command line is read up to. One is about 80 bytes
 * (`{ keyId, seed }`); a larger file is not one and is not read whole.
 */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * The private key in the key file at `path` (relative to `cwd`), named by the user with an option
 * (`writ unfinished resolve --key FILE`). A link the user named is followed; what it leads to is
 * read only if it is a regular file of at most {@link MAX_KEY_FILE_BYTES} bytes (core's
 * `readEvidenceFile`: a FIFO is refused at once instead of blocking the command). No message
 * carries the file's content.
 * @param option how the option is named in errors (`--key`).
 * @throws UsageError: `ENOENT` and the other system codes, `EISDIR`, `ERR_NOT_REGULAR_FILE`,
 *   `ERR_FILE_TOO_LARGE`, `ERR_USAGE` (not a key file, or a `keyId` that is not the seed's).
 */
export async function readKeyFile(options: { path: string; cwd: string; option: string }): Promise<PrivateKey> {
  const what = `${options.option} ${options.path}: cannot read the key file`;
  let target: string;
  try {
    target = await realpath(resolve(options.cwd, options.path));
  } catch (error) {
    throw fileUsageError(what, error);
  }
  let text: string;
  try {
    text = await readEvidenceFile(target, { maxBytes: MAX_KEY_FILE_BYTES });
  } catch (error) {
    throw evidenceFileError(error, what, `larger than ${MAX_KEY_FILE_BYTES} bytes, more than any key file holds`);
  }
  return keyFromFileText(text, `${options.option} ${options.path}`);
}

/** Load key `name` from its environment variable or its file. */
export async function loadKey(options: { dir: string; name: string; env: Readonly<Record<string, string | undefined>> }): Promise<PrivateKey> {
  checkName(options.name);
  const fromEnv = options.env[keyEnvName(options.name)];
  if (fromEnv === undefined) {
    const file = join(options.dir, 'keys', `${options.name}.key`);
    // A link there (a mounted secret) is followed; then only a regular file of key-file size is
    // read — a FIFO in its place hung every command that signs, a huge file was read whole.
    let target: string;
    try {
      target = await realpath(file);
    } catch {
      throw new UsageError(`key ${options.name}: no ${file} and no ${keyEnvName(options.name)}`);
    }
    let text: string;
    try {
      text = await readEvidenceFile(target, { maxBytes: MAX_KEY_FILE_BYTES });
    } catch (error) {
      throw evidenceFileError(error, `key ${options.name}: cannot read ${file}`, `larger than ${MAX_KEY_FILE_BYTES} bytes, more than any key file holds`);
    }
    return keyFromFileText(text, `key ${options.name} (${file})`);
  }
  try {
    return PrivateKey.fromSeed(fromBase64Url(fromEnv, 'seed'));
  } catch {
    throw new UsageError(`key ${options.name}: not a 32-byte base64url seed (${keyEnvName(options.name)})`);
  }
}

/** Names of the private keys in `dir/keys`. */
export async function keyNames(dir: string): Promise<string[]> {
  const folder = join(dir, 'keys');
  if (!existsSync(folder)) return [];
  return (await readdir(folder)).filter((f) => f.endsWith('.key')).map((f) => f.slice(0, -4)).sort();
}

/** A trust-root key entry for `key`. */
export function keyEntry(key: PrivateKey, options: { roles: TrustRootKeyEntry['roles']; owner: string; validFrom: string }): TrustRootKeyEntry {
  return { keyId: key.keyId, publicKey: toBase64Url(key.publicKey), roles: options.roles, owner: options.owner, validFrom: options.validFrom, status: 'active' };
}

/** Read and verify the signed chain; returns the newest trust root and all envelopes. */
export async function readChain(dir: string): Promise<{ root: TrustRoot; versions: unknown[] }> {
  const folder = join(dir, 'trust-root');
  const files = existsSync(folder) ? (await readdir(folder)).filter((f) => /^\d{4}\.json$/.test(f)).sort() : [];
  if (files.length === 0) throw new UsageError(`${dir}: no trust root (run writ init)`);
  const versions: unknown[] = [];
  for (const file of files) {
    // Read as the kept trust-root.json is (4 MiB, no link followed, a regular file only): a FIFO
    // placed here hung writ keys for good, and a huge file was read whole.
    const text = await readTrustRootText(join(folder, file), `${join(folder, file)}: cannot read the trust-root version`);
    try {
      versions.push(JSON.parse(text));
    } catch {
      throw new UsageError(`${join(folder, file)}: not JSON`);
    }
  }
  const first = versions[0] as { payload?: unknown };
  const document = JSON.parse(Buffer.from(String(first.payload), 'base64').toString('utf8')) as TrustRootDocument;
  return { root: verifyTrustRootChain(versions, { anchor: createTrustRoot(document).digest }), versions };
}

/**
 * Refuse documents that would lock the team out: no active root key, or a threshold above the
 * number of active root keys.
 */
export function assertNoLockout(document: TrustRootDocument): void {
  const roots = document.keys.filter((k) => k.roles.includes('root') && k.status === 'active').length;
  if (roots === 0) throw new UsageError('refused: this would leave no active root key (nobody could sign the next trust root)');
  if (!Number.isInteger(document.threshold) || document.threshold < 1) throw new UsageError('refused: the threshold must be a whole number of at least 1');
  if (document.threshold > roots) throw new UsageError(`refused: threshold ${document.threshold} is above the ${roots} active root key(s)`);
}

/** Sign `document` with `signers`, check it extends the chain, and write it as the next version. */
export async function publishVersion(options: { dir: string; document: TrustRootDocument; signers: readonly Signer[]; previous: readonly unknown[] }): Promise<TrustRoot> {
  assertNoLockout(options.document);
  const envelope = signTrustRoot({ document: options.document, signers: options.signers });
  const versions = [...options.previous, envelope];
  let root: TrustRoot;
  try {
    const firstDoc = options.previous.length === 0 ? options.document : (JSON.parse(Buffer.from(String((options.previous[0] as { payload: string }).payload), 'base64').toString('utf8')) as TrustRootDocument);
    root = verifyTrustRootChain(versions, { anchor: createTrustRoot(firstDoc).digest });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError('refused: the new version does not verify; it needs the threshold of the old and of the new root keys (--sign-with)', typeof code === 'string' ? code : undefined);
  }
  const folder = join(options.dir, 'trust-root');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, `${String(options.document.version).padStart(4, '0')}.json`), `${JSON.stringify(envelope, null, 2)}\n`);
  await writeFile(join(options.dir, 'trust-root.json'), `${JSON.stringify(options.document, null, 2)}\n`);
  return root;
}

/** Signers for the named keys. */
export async function signersFor(options: { dir: string; names: readonly string[]; env: Readonly<Record<string, string | undefined>> }): Promise<Signer[]> {
  const signers: Signer[] = [];
  for (const name of options.names) signers.push(createSigner(await loadKey({ ...options, name })));
  return signers;
}
