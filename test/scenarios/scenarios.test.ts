import { describe, expect, it } from 'vitest';
import { formatTable, runAll } from './run-scenarios.ts';
import { SCENARIOS } from './scenarios.ts';

const REFS = [...['5.1', '5.2', '5.3', '5.4', '5.5', '5.6', '5.7', '5.8', '5.9', '5.10'], ...Array.from({ length: 11 }, (_, i) => `22.${i + 1}`)];

describe('attack/benign scenarios (TraceScript §5 and §22)', () => {
  it('covers every failure mode and threat with an attack and a benign twin', () => {
    for (const ref of REFS) {
      expect(SCENARIOS.filter((s) => s.ref === ref).map((s) => s.variant).sort(), ref).toEqual(['attack', 'benign']);
    }
  });

  it('blocks or escalates every attack and allows every twin in enforce; runs and records everything in shadow', async () => {
    const rows = await runAll();
    process.stdout.write(`\n${formatTable(rows)}\n`);
    expect(rows).toHaveLength(SCENARIOS.length * 2);
    expect(rows.filter((row) => !row.ok).map((row) => `${row.ref} ${row.variant} ${row.mode}: got ${row.got}`)).toEqual([]);
  }, 120_000);
});
