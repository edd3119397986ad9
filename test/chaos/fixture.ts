// One scenario's world: its own database in the chaos PostgreSQL cluster, its own Temporal dev server
// (persisted in a file), its own task queue and scratch directory, and funded accounts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount } from '../../db/accounts.ts';
import { post } from '../../db/ledger.ts';
import type { Database } from '../../db/client.ts';
import { Api, ChaosTemporal, until, type ChaosPostgres, type Proc, type ServiceEnv } from './harness.ts';
import type { LoadAccount } from './load.ts';

export const ADMIN_KEY = 'chaos-admin-key-0123456789';

export interface Fixture {
  dir: string;
  db: Database;
  temporal: ChaosTemporal;
  env: ServiceEnv;
  procs: Proc[];
  /** An account funded with `balance` points by a ledger adjustment. */
  account(balance: number): Promise<LoadAccount>;
  cleanup(): Promise<void>;
}

export async function createFixture(name: string, pg: ChaosPostgres, root: string): Promise<Fixture> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const { url, db } = await pg.createDatabase(`chaos_${name.replace(/[^a-z0-9]/g, '_')}`);
  const temporal = await ChaosTemporal.start(dir);
  const procs: Proc[] = [];
  let n = 0;
  return {
    dir,
    db,
    temporal,
    env: { databaseUrl: url, temporalAddress: temporal.address, taskQueue: `chaos-${name}`, adminKey: ADMIN_KEY, dataDir: dir },
    procs,
    async account(balance) {
      const { account, apiKey } = await createAccount(db.prisma, { name: `Chaos ${name} ${++n}` });
      if (balance > 0)
        await post(db.prisma, { walletId: account.id, accountId: account.id, kind: 'adjustment', amount: balance, businessKey: `chaos-seed:${account.id}` });
      return { id: account.id, apiKey };
    },
    async cleanup() {
      await Promise.all(procs.map((p) => p.kill('SIGTERM', 20_000)));
      await temporal.kill('SIGKILL');
      await db.close().catch(() => {});
    },
  };
}

/** A bank-transfer charge through the API (202 awaiting_deposit); returns its id and amount. */
export async function bankTransfer(api: Api, account: LoadAccount, amount: number, key: string): Promise<{ id: string; amount: number; accountId: string }> {
  const a = await api.untilDefinite('POST', '/v1/charges', {
    key: account.apiKey,
    body: { accountId: account.id, amount, method: 'bank_transfer', depositorName: 'Chaos Co' },
    idempotencyKey: key,
  });
  if (a.status !== 202) throw new Error(`bank transfer answered ${a.status}: ${JSON.stringify(a.body)}`);
  return { id: (a.body as { id: string }).id, amount, accountId: account.id };
}

/**
 * Recovery after an outage: 1-point consumptions under new keys `<prefix>-0`, `-1`, … until one is
 * answered 201. Answers the keys it sent, to be replayed at the end (replayRecoveryProbes).
 */
export async function untilConsumptionsRecover(api: Api, account: LoadAccount, prefix: string, what: string): Promise<string[]> {
  const keys: string[] = [];
  await until(
    async () => {
      keys.push(`${prefix}-${keys.length}`);
      const a = await api.request('POST', '/v1/consumptions', { key: account.apiKey, body: { accountId: account.id, amount: 1 }, idempotencyKey: keys.at(-1) });
      return a.status === 201;
    },
    what,
    120_000,
    500,
  );
  return keys;
}

/** Sends every recovery probe again until its answer is definite; those that debited go into `succeeded`. */
export async function replayRecoveryProbes(api: Api, account: LoadAccount, keys: string[], succeeded: Map<string, number>): Promise<void> {
  for (const key of keys) {
    const a = await api.untilDefinite('POST', '/v1/consumptions', { key: account.apiKey, body: { accountId: account.id, amount: 1 }, idempotencyKey: key });
    if (a.status === 201) succeeded.set((a.body as { id: string }).id, 1);
  }
}
