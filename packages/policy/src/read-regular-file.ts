/** Reads a policy, bundle or wasm file named by the user, refusing what is not a regular file. */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { WritError } from '@writ/core';

/**
 * Reads `location` (relative to `cwd`) fully.
 *
 * @throws WritError `ERR_POLICY_NOT_FOUND` when it cannot be read, `ERR_POLICY_SOURCE_INVALID`
 *   for a directory, FIFO or device (reading a FIFO would block forever).
 */
export async function readRegularFile(location: string, cwd: string): Promise<Uint8Array> {
  const path = resolve(cwd, location);
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (error) {
    throw new WritError('ERR_POLICY_NOT_FOUND', `${location}: cannot read file`, { cause: error, details: { location } });
  }
  if (!isFile) throw new WritError('ERR_POLICY_SOURCE_INVALID', `${location}: not a regular file`, { details: { location } });
  try {
    return await readFile(path);
  } catch (error) {
    throw new WritError('ERR_POLICY_NOT_FOUND', `${location}: cannot read file`, { cause: error, details: { location } });
  }
}
