// Browser stand-in for node:fs, node:fs/promises, node:path, node:crypto, node:os, node:buffer
// and node:timers/promises. The file stores and firewall modules that import them are never
// called by the console (it only verifies and signs; core's verifier reaches node:crypto only
// through process.getBuiltinModule); if anything did call one, it fails loudly instead of
// silently doing nothing.
function unavailable(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available in the browser`);
  };
}
export const mkdir = unavailable('mkdir');
export const open = unavailable('open');
export const readFile = unavailable('readFile');
export const readdir = unavailable('readdir');
export const rename = unavailable('rename');
export const join = unavailable('join');
export const rm = unavailable('rm');
export const dirname = unavailable('dirname');
export const basename = unavailable('basename');
export const readFileSync = unavailable('readFileSync');
export const existsSync = unavailable('existsSync');
export const stat = unavailable('stat');
export const writeFile = unavailable('writeFile');
export const appendFile = unavailable('appendFile');
export const fsync = unavailable('fsync');
export const unlink = unavailable('unlink');
// Symbolic-link refusal of the store files (regular-file.ts) and the policy-input log.
export const lstat = unavailable('lstat');
export const openSync = unavailable('openSync');
export const closeSync = unavailable('closeSync');
// The file ledger store's main-thread durable write (durableWrite: 'main-thread').
export const writeSync = unavailable('writeSync');
export const fdatasyncSync = unavailable('fdatasyncSync');
// node:fs `constants` (open flags such as O_DSYNC): read at module load by the file ledger
// store, so an empty table rather than a throwing stub; nothing in the browser opens files.
export const constants: Readonly<Record<string, number>> = {};
// node:crypto (file stores, firewall ids), node:os (lock owner), node:buffer (entry check),
// node:timers/promises (lock waits).
export const createHash = unavailable('createHash');
export const randomBytes = unavailable('randomBytes');
export const randomUUID = unavailable('randomUUID');
export const hostname = unavailable('hostname');
export const isUtf8 = unavailable('isUtf8');
export const setTimeout = unavailable('setTimeout');
