import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FirewallSession } from '@writ/core';
import { adapterOverhead, coreEnforceCase, interleave, median, report } from './bench.ts';

const fixture = fileURLToPath(new URL('./bench-isolate.fixture.ts', import.meta.url));
const runFixture = (...args: string[]) => promisify(execFile)(process.execPath, ['--conditions=@writ/source', fixture, ...args]);

const samples = (cpu: number[], wall = cpu) => ({ cpu, wall });

describe('bench helper', () => {
  it('median: known answers, odd and even counts, unsorted input', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });

  it('median lies between min and max and ignores order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1 }), (xs) => {
        const m = median(xs);
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(m).toBeLessThanOrEqual(Math.max(...xs));
        expect(median([...xs].reverse())).toBe(m);
      }),
    );
  });

  it('adapterOverhead: (with − bare − core) / core on the medians', () => {
    const o = adapterOverhead({ bare: samples([100, 90, 110]), withWrit: samples([330, 300, 1000]), core: samples([200, 180, 220], [400, 400, 400]) });
    expect(o).toMatchObject({ bare: 100, withWrit: 330, core: 200, adapter: 30, share: 0.15 });
    expect(o.wall.adapter).toBe(330 - 100 - 400);
    expect(report({ title: 't', rows: [['a', samples([1])]], overhead: o })).toMatch(/\*\*15\.0%\*\*/);
  });

  it('adapterOverhead with a hand-wired case: (with − hand-wired) / (hand-wired − bare)', () => {
    const o = adapterOverhead({ bare: samples([100]), withWrit: samples([330]), core: samples([200]), handWired: samples([320]) });
    expect(o.inLoop).toEqual({ core: 220, adapter: 10, share: 10 / 220 });
    expect(adapterOverhead({ bare: samples([1]), withWrit: samples([3]), core: samples([1]) }).inLoop).toBeUndefined();
    expect(report({ title: 't', rows: [], overhead: o })).toMatch(/hand-wired[^\n]*\*\*4\.5%\*\*/);
  });

  it('interleave rotates the order each round and gives one sample per round and case', async () => {
    const order: string[] = [];
    const out = await interleave({
      isolate: false,
      rounds: 3,
      calls: 2,
      warmup: 1,
      cases: { a: (r) => Promise.resolve(void (r >= 0 && order.push(`a${r}`))), b: (r) => Promise.resolve(void (r >= 0 && order.push(`b${r}`))) },
    });
    expect(order).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
    expect(out.a.cpu).toHaveLength(3);
    expect(out.b.wall).toHaveLength(3);
    await expect(interleave({ rounds: 0, calls: 1, warmup: 0, cases: {} })).rejects.toThrow(RangeError);
    await expect(interleave({ rounds: 1, calls: 1.5, warmup: 0, cases: {} })).rejects.toThrow(RangeError);
    await expect(interleave({ rounds: 1, calls: 1, warmup: 0, processes: 0, cases: {} })).rejects.toThrow(RangeError);
  });

  it('isolate: every case runs in its own process, one sample per round, the nth call serves its own cases', async () => {
    const { stdout } = await runFixture();
    const out = JSON.parse(stdout) as Record<string, Record<string, { cpu: number[]; wall: number[] }>>;
    expect(Object.keys(out.first!)).toEqual(['a', 'b']);
    expect(out.first!.a!.cpu).toHaveLength(2);
    expect(out.second!.c!.cpu).toHaveLength(3);
    expect(out.second!.d!.wall).toHaveLength(3);
    expect(out.third!.e!.cpu).toHaveLength(4);
    for (const x of [...out.second!.c!.cpu, ...out.second!.d!.wall]) expect(x).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('isolate: a case that throws in its process fails the run with its message', async () => {
    await expect(runFixture('fail')).rejects.toThrow(/bench case d failed in its process:[\s\S]*case d broke/);
  }, 60_000);

  it('coreEnforceCase: the task, then each call through execute with its output as basis, then end; pauses only with pauseMs', async () => {
    const log: string[] = [];
    let status = 'executed';
    const session = {
      addUserTurn: (text: string) => Promise.resolve(void log.push(`turn ${text}`)),
      execute: (call: { callId: string }, run: (a: Record<string, unknown>) => unknown) => Promise.resolve({ status, result: run({ n: call.callId }), guard: {} }),
      addToolOutput: (o: { callId: string; output: unknown }) => Promise.resolve(void log.push(`output ${o.callId} ${String(o.output)}`)),
      end: () => Promise.resolve(void log.push('end')),
    } as unknown as FirewallSession;
    const options = { open: () => Promise.resolve(session), task: 'pay', tool: 't', args: {}, run: (a: Record<string, unknown>) => `ran ${String(a.n)}`, calls: 2 };
    await coreEnforceCase(options)(7);
    expect(log).toEqual(['turn pay', 'output core7c0 ran core7c0', 'output core7c1 ran core7c1', 'end']);
    const timers: number[] = [];
    const real = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms: number) => (timers.push(ms), real(fn, 0))) as typeof setTimeout;
    try {
      await coreEnforceCase({ ...options, pauseMs: 2 })(1);
    } finally {
      globalThis.setTimeout = real;
    }
    expect(timers).toEqual([2, 2]);
    status = 'blocked';
    await expect(coreEnforceCase(options)(0)).rejects.toThrow(/did not execute: blocked/);
  });
});
