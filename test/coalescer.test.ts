// The coalescer's bookkeeping alone (api/coalescer.ts), over runs the test settles by hand: who runs at
// once, who waits, what goes together, and what each waiter is answered.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { Coalescer, type Settled } from '../api/coalescer.ts';

interface Run {
  lane: string;
  items: string[];
  many: boolean;
  context: string | undefined;
  settle: (results: (string | Error)[]) => void;
  fail: (err: Error) => void;
}

const requestContext = new AsyncLocalStorage<string>();

function harness(maxInFlight: number, maxBatch = 1_000, maxWaiting = 1_000) {
  const runs: Run[] = [];
  const start = (lane: string, items: string[], many: boolean) =>
    new Promise<(string | Error)[]>((resolve, reject) => runs.push({ lane, items, many, context: requestContext.getStore(), settle: resolve, fail: reject }));
  const coalescer = new Coalescer<string, string>({
    maxInFlight,
    maxBatch,
    maxWaiting,
    idOf: (item) => item.split('#')[0]!,
    asTwin: (r) => `${r} (twin)`,
    overloaded: () => new Error('too many waiting'),
    runOne: async (item, lane) => {
      if (item === 'throws') throw new Error('thrown at once');
      const [r] = await start(lane, [item], false);
      if (r instanceof Error) throw r;
      return r!;
    },
    runMany: async (items, lane): Promise<Settled<string>[]> =>
      (await start(lane, items, true)).map((r) => (r instanceof Error ? { ok: false, error: r } : { ok: true, value: r })),
  });
  // Each submit as a request of its own, with its own async context.
  const submit = (lane: string, item: string) => requestContext.run(`request ${item}`, () => coalescer.submit(lane, item));
  return { coalescer, runs, submit };
}

const tick = () => new Promise((r) => setImmediate(r));
const answer = (run: Run) => run.settle(run.items.map((i) => `done ${i}`));

describe('coalescer', () => {
  it('runs a lone request at once and on its own', async () => {
    const { runs, submit, coalescer } = harness(2);
    const a = submit('caller', 'a');
    expect(runs).toMatchObject([{ items: ['a'], many: false }]);
    answer(runs[0]!);
    expect(await a).toBe('done a');
    await tick();
    expect(coalescer.stats()).toEqual({ lanes: 0, inFlight: 0, waiting: 0 });
  });

  it('runs up to maxInFlight on their own; those arriving meanwhile go together, in arrival order, when one finishes', async () => {
    const { runs, submit, coalescer } = harness(2);
    const answers = ['a', 'b', 'c', 'd', 'e'].map((x) => submit('caller', x));
    expect(runs.map((r) => r.items)).toEqual([['a'], ['b']]);
    expect(coalescer.stats()).toEqual({ lanes: 1, inFlight: 2, waiting: 3 });
    answer(runs[1]!);
    await tick();
    expect(runs[2]).toMatchObject({ items: ['c', 'd', 'e'], many: true, lane: 'caller' });
    answer(runs[0]!);
    answer(runs[2]!);
    expect(await Promise.all(answers)).toEqual(['done a', 'done b', 'done c', 'done d', 'done e']);
  });

  it('keeps lanes apart: a busy caller does not hold back another', () => {
    const { runs, submit } = harness(1);
    void submit('one', 'a');
    void submit('one', 'b');
    void submit('two', 'c');
    expect(runs.map((r) => [r.lane, r.items])).toEqual([
      ['one', ['a']],
      ['two', ['c']],
    ]);
  });

  it('runs twins (the same id) once: the first gets the result, the other asTwin of it', async () => {
    const { runs, submit } = harness(1);
    void submit('caller', 'x');
    const first = submit('caller', 'k#1');
    const twin = submit('caller', 'k#2');
    const other = submit('caller', 'm');
    answer(runs[0]!);
    await tick();
    expect(runs[1]).toMatchObject({ items: ['k#1', 'm'], many: true });
    runs[1]!.settle(['for k', 'for m']);
    expect([await first, await twin, await other]).toEqual(['for k', 'for k (twin)', 'for m']);
  });

  it('a lone waiter runs on its own, not as a batch of one', async () => {
    const { runs, submit } = harness(1);
    void submit('caller', 'a');
    const b = submit('caller', 'b');
    answer(runs[0]!);
    await tick();
    expect(runs[1]).toMatchObject({ items: ['b'], many: false });
    answer(runs[1]!);
    expect(await b).toBe('done b');
  });

  it('takes at most maxBatch at a time; the rest wait for the next free run', async () => {
    const { runs, submit } = harness(1, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((x) => submit('caller', x));
    answer(runs[0]!);
    await tick();
    expect(runs.map((r) => r.items)).toEqual([['a'], ['b', 'c']]);
    answer(runs[1]!);
    await tick();
    expect(runs[2]!.items).toEqual(['d', 'e']);
    answer(runs[2]!);
    expect(await Promise.all(all)).toHaveLength(5);
  });

  it('a failed run fails every request it carried, and the lane goes on', async () => {
    const { runs, submit, coalescer } = harness(1);
    void submit('caller', 'a');
    const b = submit('caller', 'b');
    const c = submit('caller', 'c');
    answer(runs[0]!);
    await tick();
    runs[1]!.fail(new Error('Temporal unavailable'));
    await expect(b).rejects.toThrow('Temporal unavailable');
    await expect(c).rejects.toThrow('Temporal unavailable');
    await tick();
    expect(coalescer.stats()).toEqual({ lanes: 0, inFlight: 0, waiting: 0 });
    const d = submit('caller', 'd');
    answer(runs[2]!);
    expect(await d).toBe('done d');
  });

  it('answers each item of a run on its own: one item failing fails only its requests', async () => {
    const { runs, submit } = harness(1);
    void submit('caller', 'a');
    const b = submit('caller', 'b');
    const c = submit('caller', 'c');
    answer(runs[0]!);
    await tick();
    runs[1]!.settle(['replayed b', new Error('no workflow for c')]);
    expect(await b).toBe('replayed b');
    await expect(c).rejects.toThrow('no workflow for c');
  });

  it('a run that throws at once is a failed request, not a stuck lane', async () => {
    const { runs, submit, coalescer } = harness(1);
    await expect(submit('caller', 'throws')).rejects.toThrow('thrown at once');
    await tick();
    expect(coalescer.stats()).toEqual({ lanes: 0, inFlight: 0, waiting: 0 });
    const a = submit('caller', 'a');
    answer(runs[0]!);
    expect(await a).toBe('done a');
  });

  it('refuses a newcomer when maxWaiting already wait in its lane', async () => {
    const { runs, submit } = harness(1, 1_000, 2);
    void submit('caller', 'a');
    void submit('caller', 'b');
    void submit('caller', 'c');
    await expect(submit('caller', 'd')).rejects.toThrow('too many waiting');
    answer(runs[0]!);
  });

  it('a waiting group runs in its newest request’s context (the latest deadline), not in the context of the run that freed the slot', async () => {
    const { runs, submit } = harness(1);
    void submit('caller', 'a');
    void submit('caller', 'b');
    void submit('caller', 'c');
    expect(runs[0]!.context).toBe('request a');
    answer(runs[0]!);
    await tick();
    expect(runs[1]!.context).toBe('request c');
  });

  it('refuses a lane size, batch size or queue size below 1', () => {
    expect(() => harness(0)).toThrow(/at least 1/);
    expect(() => harness(1, 0)).toThrow(/at least 1/);
    expect(() => harness(1, 1, 0)).toThrow(/at least 1/);
  });
});
