// Browser stand-in for node:fs, node:fs/promises and node:path. The file stores that import
// them are never called by the console (it only verifies and signs); if anything did call
// one, it fails loudly instead of silently doing nothing.
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
// The file ledger store's main-thread durable write (durableWrite: 'main-thread').
export const writeSync = unavailable('writeSync');
export const fdatasyncSync = unavailable('fdatasyncSync');
// node:fs `constants` (open flags such as O_DSYNC): read at module load by the file ledger
// store, so an empty table rather than a throwing stub; nothing in the browser opens files.
export const constants: Readonly<Record<string, number>> = {};
