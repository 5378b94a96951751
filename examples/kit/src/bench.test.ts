import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adapterOverhead, interleave, median, report } from './bench.ts';

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

  it('interleave rotates the order each round and gives one sample per round and case', async () => {
    const order: string[] = [];
    const out = await interleave({
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
  });
});
