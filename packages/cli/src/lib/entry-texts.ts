/**
 * The entry lines of a transcript directory as text, streamed through core's
 * `readTranscriptEntries` — for commands that read every entry but verify nothing (`writ
 * report`, `writ rollback`). Never read whole: an entries file can hold gigabytes, and a FIFO
 * planted as `entries.jsonl` is refused at once instead of blocking the command.
 */
import { ENTRIES_FILE, isWritError, readTranscriptEntries } from '@writ/core';
import { UsageError, fileUsageError } from '../cli-context.ts';
import { evidenceFileError } from '../trust-root-file.ts';

/**
 * Each line of `<dir>/entries.jsonl` in order, decoded as UTF-8 (invalid bytes replaced, as a
 * text read does), up to the zeros a live or crashed writer leaves after its last line.
 * `what` (the directory as the user named it) starts every message.
 * @throws UsageError while iterating: `ERR_NOT_REGULAR_FILE` (a FIFO, socket, device or link),
 *   `EISDIR`, `ERR_TRANSCRIPT_MALFORMED` (an incomplete final line, a NUL inside a line, data
 *   after zeros), `ERR_TRANSCRIPT_ENTRY_TOO_LARGE` (a line over 16 MiB) naming the entry, the
 *   system's code of a file error.
 */
export async function* entryTexts(dir: string, what: string): AsyncGenerator<string> {
  // Not fatal: a text read replaced invalid UTF-8 too; the metrics and lookups parse JSON after.
  const decoder = new TextDecoder('utf-8');
  let lines: AsyncIterable<Uint8Array>;
  try {
    lines = readTranscriptEntries(dir);
  } catch {
    throw new UsageError(`${what}: not a transcript directory (no ${ENTRIES_FILE})`);
  }
  try {
    for await (const line of lines) yield decoder.decode(line);
  } catch (error) {
    throw readError(error, what);
  }
}

function readError(error: unknown, what: string): unknown {
  if (!isWritError(error)) return fileUsageError(`${what}: cannot read ${ENTRIES_FILE}`, error);
  const seq = (error.details as { seq?: unknown } | undefined)?.seq;
  // The verifier's finding about line `seq` (0-based): numbered from 1, as a text editor shows it.
  if (typeof seq === 'number') return new UsageError(`${what}: entry ${seq + 1}: ${error.message}`, error.code);
  // A FIFO, link or directory where entries.jsonl belongs: worded and coded as for any evidence file.
  return evidenceFileError(error, `${what}: cannot read ${ENTRIES_FILE}`);
}
