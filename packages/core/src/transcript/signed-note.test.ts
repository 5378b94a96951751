import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { formatCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.ts';
import { MerkleTree } from './merkle-tree.ts';
import { leafHash } from './merkle.ts';
import {
  formatVerifierKey,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from './signed-note.ts';

const VECTORS = new URL('../../../../../shared/fixtures/vectors/', import.meta.url);
const haveVectors = existsSync(new URL('signed-note/', VECTORS));
if (!haveVectors)
  console.warn(
    `SKIPPED: signed-note vectors not found at ${VECTORS.pathname} (clone shared/ beside the repo)`,
  );
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture JSON, shape checked by the assertions
const load = (path: string): any => JSON.parse(readFileSync(new URL(path, VECTORS), 'utf8'));

function errorCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

function seedFromSkey(skey: string): Uint8Array {
  const body = Buffer.from(skey.split('+').slice(4).join('+'), 'base64');
  return new Uint8Array(body.subarray(1));
}

describe.skipIf(!haveVectors)('openNote — C2SP and sumdb examples', () => {
  const examples = haveVectors ? load('signed-note/signed_note_examples.json') : [];
  it('verifies the C2SP example note', () => {
    const example = examples[0];
    const key = parseVerifierKey(example.vkey);
    const opened = openNote(example.note, [key]);
    expect(opened.text).toBe('This is an example message.\n');
    expect(opened.verified.map((s) => [s.name, s.keyHash.toString(16).padStart(8, '0')])).toEqual([
      ['example.com/foo', '530d903a'],
    ]);
  });
  it('verifies both signatures of the PeterNeumann/EnochRoot note and reproduces Peter’s signature', () => {
    const example = examples[1];
    const keys = example.vkeys.map(parseVerifierKey);
    expect(openNote(example.note, keys).verified.map((s) => s.name)).toEqual([
      'PeterNeumann',
      'EnochRoot',
    ]);
    const signer = createSigner(PrivateKey.fromSeed(seedFromSkey(example.skey)));
    expect(formatVerifierKey('PeterNeumann', signer.publicKey)).toBe(example.vkeys[0]);
    const text = parseNote(example.note).text;
    const mine = signNote({ text, name: 'PeterNeumann', signer });
    expect(example.note.startsWith(mine.slice(0, -1))).toBe(true);
  });
  it('ignores unknown signers but requires one known', () => {
    const example = examples[1];
    const peter = parseVerifierKey(example.vkeys[0]);
    expect(openNote(example.note, [peter]).unknown.map((s) => s.name)).toEqual(['EnochRoot']);
    expect(errorCode(() => openNote(example.note, []))).toBe('ERR_NOTE_UNVERIFIED');
  });
  it('rejects a note whose text was altered', () => {
    const example = examples[0];
    const key = parseVerifierKey(example.vkey);
    expect(
      errorCode(() => openNote(example.note.replace('example message', 'exampel message'), [key])),
    ).toBe('ERR_NOTE_UNVERIFIED');
  });
  it('rejects a verifier key with a wrong key hash', () => {
    expect(
      errorCode(() => parseVerifierKey(examples[0].vkey.replace('530d903a', '530d903b'))),
    ).toBe('ERR_NOTE_MALFORMED');
  });
});

describe.skipIf(!haveVectors)('signCheckpoint — derived tree-8 checkpoints', () => {
  const derived = haveVectors ? load('signed-note/derived_checkpoints_tree8.json') : undefined;
  const reference = haveVectors ? load('merkle-rfc6962/rfc6962_reference_tree8.json') : undefined;
  it('reproduces each checkpoint byte for byte and its root matches the reference tree', () => {
    const signer = createSigner(PrivateKey.fromSeed(Buffer.from(derived.ed25519SeedHex, 'hex')));
    const key = parseVerifierKey(derived.vkey);
    expect(formatVerifierKey(key.name, signer.publicKey)).toBe(derived.vkey);
    const tree = new MerkleTree();
    for (const hex of reference.leafInputsHex) tree.push(leafHash(Buffer.from(hex, 'hex')));
    for (const { treeSize, checkpoint } of derived.checkpoints) {
      const opened = openNote(checkpoint, [key]);
      const body = parseCheckpoint(opened.text);
      expect(body.origin).toBe(key.name);
      expect(body.size).toBe(treeSize);
      expect(body.root).toEqual(tree.root(treeSize));
      const note = signNote({
        text: formatCheckpoint({ origin: body.origin, size: body.size, root: body.root }),
        name: key.name,
        signer,
      });
      expect(note).toBe(checkpoint);
    }
  });
});

describe('parseCheckpoint', () => {
  const root = leafHash('x');
  it('round-trips origin, size, root and writ-time', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9./-]{1,40}$/),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        (origin, size) => {
          const text = formatCheckpoint({ origin, size, root, time: '2026-01-01T00:00:00.000Z' });
          const parsed = parseCheckpoint(text);
          expect([parsed.origin, parsed.size, parsed.time]).toEqual([
            origin,
            size,
            '2026-01-01T00:00:00.000Z',
          ]);
          expect(parsed.root).toEqual(root);
        },
      ),
    );
  });
  it('rejects malformed bodies with ERR_CHECKPOINT_MALFORMED', () => {
    const good = formatCheckpoint({ origin: 'o', size: 3, root });
    for (const bad of [
      42,
      null,
      'o\n3\n',
      good.replace('\n3\n', '\n03\n'),
      good.replace('\n3\n', '\n-3\n'),
      good.slice(0, -1),
      good.replace(/\n([^\n]+)\n$/, '\nAAAA\n'),
      `${good}\n`,
      `${good}writ-time yesterday\n`,
    ])
      expect(errorCode(() => parseCheckpoint(bad))).toBe('ERR_CHECKPOINT_MALFORMED');
  });
});

describe('signCheckpoint', () => {
  it('signs with the origin as key name and rejects malformed fields', () => {
    const signer = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(7)));
    const note = signCheckpoint({
      origin: 'writ.test/log',
      size: 1,
      root: leafHash('a'),
      time: '2026-01-01T00:00:00.000Z',
      signer,
    });
    const key = parseVerifierKey(formatVerifierKey('writ.test/log', signer.publicKey));
    expect(parseCheckpoint(openNote(note, [key]).text).time).toBe('2026-01-01T00:00:00.000Z');
    expect(
      errorCode(() =>
        signCheckpoint({
          origin: 'has space',
          size: 1,
          root: leafHash('a'),
          time: '2026-01-01T00:00:00.000Z',
          signer,
        }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      errorCode(() =>
        signCheckpoint({
          origin: 'o',
          size: 1,
          root: new Uint8Array(3),
          time: '2026-01-01T00:00:00.000Z',
          signer,
        }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => signNote({ text: 'no newline', name: 'o', signer }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});

describe('parseNote', () => {
  it('keeps a __proto__ key name as plain data', () => {
    expect(parseNote('t\n\n\u2014 __proto__ AAAAAAAA\n').signatures[0]!.name).toBe('__proto__');
  });
  it('rejects malformed notes with ERR_NOTE_MALFORMED and never a TypeError', () => {
    for (const bad of [
      undefined,
      7,
      'x',
      'text\n',
      'text\n\nno prefix\n',
      'text\n\n\u2014 name\n',
      'text\n\n\u2014 name AAAA\n',
      'text\n\n\u2014 name !!!!\n',
    ])
      expect(errorCode(() => parseNote(bad))).toBe('ERR_NOTE_MALFORMED');
  });
});
