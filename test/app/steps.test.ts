import { describe, expect, it } from 'vitest';
import { finishSteps, parallelSteps, type Steps } from '../../src/app/steps.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('parallelSteps', () => {
  /** Items that each wait `ms` twice (two "reads"), counting how many are under way at once. */
  function counted() {
    const seen = { now: 0, most: 0, order: [] as number[] };
    const each = async function* (ms: number): Steps<number> {
      seen.now++;
      seen.most = Math.max(seen.most, seen.now);
      await sleep(ms);
      yield;
      await sleep(ms);
      seen.now--;
      seen.order.push(ms);
      return ms * 10;
    };
    return { seen, each };
  }

  it('gives the results in the order of the items, with at most `width` under way at once', async () => {
    const { seen, each } = counted();
    const items = [30, 5, 20, 1, 10, 2];
    expect(await finishSteps(parallelSteps(items, 3, each))).toEqual([300, 50, 200, 10, 100, 20]);
    expect(seen.most).toBe(3);
    // They finished in another order than they were given.
    expect(seen.order).not.toEqual(items);
  });

  it('with a width of 1, works on one item after the other', async () => {
    const { seen, each } = counted();
    expect(await finishSteps(parallelSteps([3, 1, 2], 1, each))).toEqual([30, 10, 20]);
    expect(seen).toMatchObject({ most: 1, order: [3, 1, 2] });
  });

  it('yields a step for every step of an item, and one as each item ends', async () => {
    const { each } = counted();
    const steps = parallelSteps([1, 1], 2, each);
    let yields = 0;
    for (let next = await steps.next(); next.done !== true; next = await steps.next()) yields++;
    expect(yields).toBe(4);
    expect(await finishSteps(parallelSteps([], 2, each))).toEqual([]);
  });

  it('throws the first failure, and leaves no later one unhandled', async () => {
    const each = async function* (ms: number): Steps<number> {
      await sleep(ms);
      if (ms > 1) throw new Error(`item ${ms} failed`);
      return ms;
    };
    await expect(finishSteps(parallelSteps([1, 5, 10], 3, each))).rejects.toThrow('item 5 failed');
    // The third item fails after the first failure was thrown: vitest reports an unhandled rejection, if any.
    await sleep(30);
  });
});
