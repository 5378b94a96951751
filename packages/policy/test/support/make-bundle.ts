/**
 * Writes gzipped tar archives for tests with tar-stream's packer, which writes names
 * verbatim — so tests can build the hostile archives (`../`, links) the reader must refuse.
 */
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { Header } from 'tar-stream';

/** One archive member: a regular file unless `type` says otherwise. */
export interface BundleMember {
  readonly name: string;
  readonly content?: string | Uint8Array;
  readonly type?: Header['type'];
  readonly linkname?: string;
}

/** The tar bytes (not gzipped) of `members`, in order. */
export async function makeTar(members: readonly BundleMember[]): Promise<Uint8Array> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of packer) chunks.push(chunk as Buffer);
  })();
  for (const member of members) {
    const content = member.content === undefined ? Buffer.alloc(0) : Buffer.from(member.content);
    const header: Partial<Header> & { name: string } = { name: member.name, type: member.type ?? 'file', mode: 0o644, mtime: new Date(0) };
    if (member.linkname !== undefined) header.linkname = member.linkname;
    if (header.type === 'file') packer.entry(header, content);
    else packer.entry(header);
  }
  packer.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

/** A `bundle.tar.gz` holding `members`. */
export async function makeBundle(members: readonly BundleMember[]): Promise<Uint8Array> {
  return new Uint8Array(gzipSync(await makeTar(members)));
}
