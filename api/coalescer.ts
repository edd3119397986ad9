// Natural batching ("group commit") of requests that arrive together: per lane, up to `maxInFlight` run
// on their own as they come; while that many are in flight, newcomers wait, and when one finishes, every
// request that waited meanwhile goes in one run of `runMany`. A lone request is never delayed (no timer,
// no batching window); under load each run carries what arrived during the previous one, so the cost per
// run is shared by more requests exactly when there are more of them.
//
// Pure bookkeeping over two functions; nothing here knows what a request does. Twins — two waiting items
// with the same id (a request and its retry) — ride once and both get that one result.
import { AsyncResource } from 'node:async_hooks';

export interface CoalescerOptions<I, R> {
  /** Runs per lane at once (at least 1). */
  maxInFlight: number;
  /** Most items in one `runMany`; more wait for the next run. */
  maxBatch: number;
  /** Runs one item of `lane` on its own. */
  runOne: (item: I, lane: string) => Promise<R>;
  /** Runs several distinct items of `lane` together; answers one result per item, in item order. */
  runMany: (items: I[], lane: string) => Promise<R[]>;
  /** Items with the same id are the same work (run once, answered alike). */
  idOf: (item: I) => string;
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
    if (!(options.maxInFlight >= 1) || !(options.maxBatch >= 1)) throw new Error('maxInFlight and maxBatch must be at least 1');
  }

  /** Runs `item` in `lane`: at once when the lane has room, else with whatever waits alongside it. */
  submit(lane: string, item: I): Promise<R> {
    let l = this.lanes.get(lane);
    if (!l) this.lanes.set(lane, (l = { inFlight: 0, queue: [] }));
    if (l.inFlight < this.options.maxInFlight && l.queue.length === 0) return this.track(lane, l, this.options.runOne(item, lane));
    return new Promise<R>((resolve, reject) => {
      const bound = AsyncResource.bind(<T>(f: () => Promise<T>) => f());
      l.queue.push({ item, resolve, reject, inContext: bound });
    });
  }

  /** How many runs are in flight and items waiting, per lane (for metrics and tests). */
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
        const id = this.options.idOf(w.item);
        const twins = byId.get(id);
        if (twins) twins.push(w);
        else byId.set(id, [w]);
      }
      const groups = [...byId.values()];
      const items = groups.map((g) => g[0]!.item);
      // The run belongs to the oldest waiter's request: it carries that request's deadline, the earliest.
      const first = taken[0]!;
      const run =
        items.length === 1
          ? first.inContext(async () => [await this.options.runOne(items[0]!, lane)])
          : first.inContext(() => this.options.runMany(items, lane));
      this.track(lane, l, run).then(
        (results) => {
          groups.forEach((g, i) => {
            for (const w of g) w.resolve(results[i]!);
          });
        },
        (err: unknown) => {
          for (const w of taken) w.reject(err);
        },
      );
    }
    if (l.inFlight === 0 && l.queue.length === 0) this.lanes.delete(lane);
  }
}
