// Consumption load as clients send it: every request carries its own Idempotency-Key, and every key's
// first answer is remembered so that, after the fault, the same request can be sent again and compared.
import type { Answer, Api } from './harness.ts';
import type { Verdict } from './checks.ts';

export interface SentKey {
  key: string;
  apiKey: string;
  body: { accountId: string; amount: number; reference: string };
  sentAt: number;
  /** The first answer; undefined when the request failed on the network (in flight at a kill). */
  first?: Answer;
  error?: string;
  /** The answer after the fault, from retrying until it was definite. */
  final?: Answer;
}

export interface LoadAccount {
  id: string;
  apiKey: string;
}

/** Key order does not matter when comparing answers (a replay comes back from a jsonb column). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export class ConsumptionLoad {
  readonly sent: SentKey[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];
  private n = 0;

  constructor(
    private readonly api: () => Api,
    private readonly accounts: LoadAccount[],
    private readonly prefix: string,
  ) {}

  /** Starts `concurrency` clients, each sending one request after the other until stop(). */
  start(concurrency: number) {
    this.stopped = false;
    for (let i = 0; i < concurrency; i++) this.loops.push(this.loop(i));
  }

  private async loop(i: number) {
    while (!this.stopped) {
      const n = this.n++;
      const account = this.accounts[n % this.accounts.length]!;
      const key = `${this.prefix}-${i}-${n}`;
      const s: SentKey = { key, apiKey: account.apiKey, body: { accountId: account.id, amount: 1 + ((n * 37) % 500), reference: key }, sentAt: Date.now() };
      this.sent.push(s);
      try {
        s.first = await this.api().request('POST', '/v1/consumptions', { key: s.apiKey, body: s.body, idempotencyKey: key });
        // A well-behaved client waits as long as a 503 asks before its next request.
        if (s.first.status === 503) await new Promise((r) => setTimeout(r, 1000 * Number(s.first!.headers.get('retry-after') ?? '1')));
      } catch (err) {
        s.error = String(err);
        // The service is gone (killed): wait a moment instead of spinning.
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Stops sending; resolves when every client has its last answer (or error). */
  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
    this.loops = [];
  }

  definite(): SentKey[] {
    return this.sent.filter((s) => s.first && s.first.status < 500);
  }

  /** Sends every key again (same key, same body) until each has a definite answer. */
  async replayAll(concurrency = 8) {
    let next = 0;
    const worker = async () => {
      while (next < this.sent.length) {
        const s = this.sent[next++]!;
        s.final = await this.api().untilDefinite('POST', '/v1/consumptions', { key: s.apiKey, body: s.body, idempotencyKey: s.key });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /**
   * Answers given before the fault do not change on replay; every key ends 201 (or 402); returns the
   * consumption id → amount of every key that ended 201.
   */
  verifyReplays(v: Verdict): Map<string, number> {
    const changed = this.sent.filter(
      (s) => s.first && s.first.status < 500 && (s.first.status !== s.final?.status || canonical(s.first.body) !== canonical(s.final?.body)),
    );
    v.check(
      changed.length === 0,
      'answers given before the fault unchanged on replay',
      changed
        .slice(0, 2)
        .map((s) => `${s.key}: ${s.first!.status} → ${s.final?.status}`)
        .join('; '),
    );
    const odd = this.sent.filter((s) => s.final?.status !== 201 && s.final?.status !== 402);
    v.check(
      odd.length === 0,
      'every key ends 201 or 402',
      odd
        .slice(0, 2)
        .map((s) => `${s.key}: ${s.final?.status} ${JSON.stringify(s.final?.body).slice(0, 120)}`)
        .join('; '),
    );
    const succeeded = new Map<string, number>();
    const ids = new Set<string>();
    for (const s of this.sent) {
      if (s.final?.status !== 201) continue;
      const id = (s.final.body as { id: string }).id;
      if (ids.has(id)) v.fail(`two keys answered the same consumption ${id}`);
      ids.add(id);
      succeeded.set(id, s.body.amount);
    }
    return succeeded;
  }

  /** Points consumed per account by the keys that ended 201. */
  consumedBy(accountId: string): number {
    return this.sent.filter((s) => s.final?.status === 201 && s.body.accountId === accountId).reduce((a, s) => a + s.body.amount, 0);
  }
}
