// Natural batching ("group commit") of requests that arrive together: per lane, up to `maxInFlight` run
// on their own as they come; while that many are in flight, newcomers wait, and when one finishes, every
// request that waited meanwhile goes in one run of `runMany`. A lone request is never delayed (no timer,
// no batching window); under load each run carries what arrived during the previous one, so the cost per
// run is shared by more requests exactly when there are more of them.
//
// Pure bookkeeping over two functions; nothing here knows what a request does. Twins — two waiting items
// with the same id (a request and its retry) — ride once; the first gets the result, the others `asTwin`
// of it. `runMany` answers each item on its own (one item's failure is not another's).
import { AsyncResource } from 'node:async_hooks';

/** One item's answer from `runMany`: its result, or the error it failed with. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface CoalescerOptions<I, R> {
  /** Runs per lane at once (at least 1). */
  maxInFlight: number;
  /** Most items in one `runMany`; more wait for the next run. */
  maxBatch: number;
  /** Most items waiting per lane; one more is refused with `overloaded()`. */
  maxWaiting: number;
  /** Runs one item of `lane` on its own. */
  runOne: (item: I, lane: string) => Promise<R>;
  /** Runs several distinct items of `lane` together; answers each item, in item order. */
  runMany: (items: I[], lane: string) => Promise<Settled<R>[]>;
  /** Items with the same id are the same work (run once, answered alike). */
  idOf: (item: I) => string;
  /** What a twin gets when the first of its group got `result` (default: the same). */
  asTwin?: (result: R) => R;
  /** The error a newcomer is refused with when its lane already has `maxWaiting` waiting. */
  overloaded: () => Error;
}

interface Waiter<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
  /** Runs a function in the waiting request's own async context (its deadline, its logger). */
  inContext: <T>(f: () => Promise<T>) => Promise<T>;
}

interface Lane<I, R> {
  inFlight: number;
  queue: Waiter<I, R>[];
}

export class Coalescer<I, R> {
  private readonly lanes = new Map<string, Lane<I, R>>();

  constructor(private readonly options: CoalescerOptions<I, R>) {
    if (!(options.maxInFlight >= 1) || !(options.maxBatch >= 1) || !(options.maxWaiting >= 1)) {
      throw new Error('maxInFlight, maxBatch and maxWaiting must be at least 1');
    }
  }

  /** Runs `item` in `lane`: at once when the lane has room, else with whatever waits alongside it. */
  submit(lane: string, item: I): Promise<R> {
    let l = this.lanes.get(lane);
    if (!l) this.lanes.set(lane, (l = { inFlight: 0, queue: [] }));
    if (l.inFlight < this.options.maxInFlight && l.queue.length === 0)
      return this.track(
        lane,
        l,
        attempt(() => this.options.runOne(item, lane)),
      );
    if (l.queue.length >= this.options.maxWaiting) return Promise.reject(this.options.overloaded());
    return new Promise<R>((resolve, reject) => {
      const bound = AsyncResource.bind(<T>(f: () => Promise<T>) => f());
      l.queue.push({ item, resolve, reject, inContext: bound });
    });
  }

  /** How many runs are in flight and items waiting, over all lanes. */
  stats(): { lanes: number; inFlight: number; waiting: number } {
    let inFlight = 0;
    let waiting = 0;
    for (const l of this.lanes.values()) {
      inFlight += l.inFlight;
      waiting += l.queue.length;
    }
    return { lanes: this.lanes.size, inFlight, waiting };
  }

  private track<T>(lane: string, l: Lane<I, R>, run: Promise<T>): Promise<T> {
    l.inFlight++;
    const done = () => {
      l.inFlight--;
      this.drain(lane, l);
    };
    run.then(done, done);
    return run;
  }

  private drain(lane: string, l: Lane<I, R>): void {
    while (l.inFlight < this.options.maxInFlight && l.queue.length > 0) {
      const taken = l.queue.splice(0, this.options.maxBatch);
      const byId = new Map<string, Waiter<I, R>[]>();
      for (const w of taken) {
        let id: string;
        try {
          id = this.options.idOf(w.item);
        } catch (err) {
          w.reject(err);
          continue;
        }
        const twins = byId.get(id);
        if (twins) twins.push(w);
        else byId.set(id, [w]);
      }
      const groups = [...byId.values()];
      if (groups.length === 0) continue;
      const items = groups.map((g) => g[0]!.item);
      // The run carries the newest waiter's request context, hence its deadline: the latest one, so a
      // request that has waited longest does not cut the time of those that just arrived (an older
      // request that runs out of time is answered 503 by the API's backstop; its outcome is stored).
      const newest = taken[taken.length - 1]!;
      const run: Promise<Settled<R>[]> =
        items.length === 1
          ? newest
              .inContext(() => attempt(() => this.options.runOne(items[0]!, lane)))
              .then(
                (value): Settled<R>[] => [{ ok: true, value }],
                (error: unknown): Settled<R>[] => [{ ok: false, error }],
              )
          : newest.inContext(() => attempt(() => this.options.runMany(items, lane)));
      void this.track(lane, l, run).then(
        (results) => groups.forEach((g, i) => this.settle(g, results[i] ?? { ok: false, error: new Error('no result for this item') })),
        (error: unknown) => groups.forEach((g) => this.settle(g, { ok: false, error })),
      );
    }
    if (l.inFlight === 0 && l.queue.length === 0) this.lanes.delete(lane);
  }

  private settle(group: Waiter<I, R>[], result: Settled<R>): void {
    if (!result.ok) {
      for (const w of group) w.reject(result.error);
      return;
    }
    group[0]!.resolve(result.value);
    for (const w of group.slice(1)) w.resolve(this.options.asTwin ? this.options.asTwin(result.value) : result.value);
  }
}

/** `f()`, with a synchronous throw turned into a rejection. */
function attempt<T>(f: () => Promise<T>): Promise<T> {
  try {
    return f();
  } catch (err) {
    return Promise.reject(err);
  }
}
