// The ledger core. A balance is the sum of its wallet's entries, cached on the wallet row and never
// negative. Every credit or debit carries a unique business key, so a retried activity applies it once:
// the second attempt finds the first one's entry and returns it.
import { Prisma } from '../generated/prisma/client.ts';
import type { LedgerKind } from '../generated/prisma/enums.ts';
import type { Db } from './client.ts';
import { BusinessError } from '../domain/errors.ts';
import { toPoints } from '../domain/money.ts';
import { crossedThreshold, detectBalanceCrossings } from './balance-alerts.ts';

export type Tx = Prisma.TransactionClient;

export interface EntryInput {
  /** The funding account whose balance moves. */
  walletId: string;
  /** The account on whose behalf it moves (a parent-billed sub-account's id for its consumption). */
  accountId: string;
  kind: LedgerKind;
  /** Signed points: positive credits, negative debits. Never zero. */
  amount: number;
  businessKey: string;
  chargeId?: string | null;
  consumptionId?: string | null;
  refundId?: string | null;
  memo?: string | null;
}

export interface PostedEntry {
  id: string;
  walletId: string;
  accountId: string;
  kind: LedgerKind;
  amount: number;
  balanceAfter: number;
  businessKey: string;
  chargeId: string | null;
  consumptionId: string | null;
  refundId: string | null;
  memo: string | null;
  createdAt: Date;
  /** True when this call found the entry an earlier attempt had already posted. */
  replayed: boolean;
}

type EntryRow = Prisma.LedgerEntryGetPayload<object>;

export function entryView(row: EntryRow, replayed = false): PostedEntry {
  return {
    id: row.id.toString(),
    walletId: row.walletId,
    accountId: row.accountId,
    kind: row.kind,
    amount: toPoints(row.amount),
    balanceAfter: toPoints(row.balanceAfter),
    businessKey: row.businessKey,
    chargeId: row.chargeId,
    consumptionId: row.consumptionId,
    refundId: row.refundId,
    memo: row.memo,
    createdAt: row.createdAt,
    replayed,
  };
}

/**
 * Posts one entry inside the caller's transaction. A debit is a single conditional UPDATE
 * (`balance >= amount`), so concurrent debits cannot overdraw: there is no read-then-write window.
 * Throws BusinessError('insufficient_balance') when the funding balance is short.
 */
export async function postEntry(tx: Tx, input: EntryInput): Promise<PostedEntry> {
  if (!Number.isSafeInteger(input.amount) || input.amount === 0) {
    throw new RangeError(`ledger amount must be a non-zero whole number, got ${input.amount}`);
  }
  const existing = await tx.ledgerEntry.findUnique({ where: { businessKey: input.businessKey } });
  if (existing) return sameEffect(existing, input);

  const delta = BigInt(input.amount);
  // `crossed`: the change passed a balance alert threshold (db/balance-alerts.ts), told in the same round trip.
  const rows =
    input.amount < 0
      ? await tx.$queryRaw<{ balance: bigint; crossed: boolean }[]>`
          UPDATE "Wallet" SET "balance" = "balance" + ${delta}, "updatedAt" = now()
          WHERE "accountId" = ${input.walletId}::uuid AND "balance" >= ${-delta}
          RETURNING "balance", ${crossedThreshold(delta)} AS "crossed"`
      : await tx.$queryRaw<{ balance: bigint; crossed: boolean }[]>`
          UPDATE "Wallet" SET "balance" = "balance" + ${delta}, "updatedAt" = now()
          WHERE "accountId" = ${input.walletId}::uuid
          RETURNING "balance", ${crossedThreshold(delta)} AS "crossed"`;
  const updated = rows[0];
  if (!updated) {
    const wallet = await tx.wallet.findUnique({ where: { accountId: input.walletId } });
    if (!wallet) throw new BusinessError('not_found', `no wallet for account ${input.walletId}`);
    throw new BusinessError('insufficient_balance', 'The funding balance does not cover this debit', {
      balance: toPoints(wallet.balance),
      required: -input.amount,
      fundingAccountId: input.walletId,
    });
  }
  const row = await tx.ledgerEntry.create({
    data: {
      walletId: input.walletId,
      accountId: input.accountId,
      kind: input.kind,
      amount: delta,
      balanceAfter: updated.balance,
      businessKey: input.businessKey,
      chargeId: input.chargeId ?? null,
      consumptionId: input.consumptionId ?? null,
      refundId: input.refundId ?? null,
      memo: input.memo ?? null,
    },
  });
  if (updated.crossed)
    await detectBalanceCrossings(tx, { walletId: input.walletId, before: updated.balance - delta, after: updated.balance, cause: input.businessKey });
  return entryView(row);
}

function sameEffect(existing: EntryRow, input: EntryInput): PostedEntry {
  if (existing.walletId !== input.walletId || existing.amount !== BigInt(input.amount) || existing.kind !== input.kind) {
    throw new Error(`business key ${input.businessKey} was already used for a different ledger effect`);
  }
  return entryView(existing, true);
}

const RETRYABLE_PG = new Set(['40001', '40P01']);

function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (err.code === 'P2002') return true;
  // A raw query's (P2010) unique violation carries PostgreSQL's code only.
  const meta = err.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined;
  return err.code === 'P2010' && meta?.driverAdapterError?.cause?.originalCode === '23505';
}

function isTransientConflict(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2034') return true;
    const meta = err.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined;
    const code = meta?.driverAdapterError?.cause?.originalCode;
    if (code && RETRYABLE_PG.has(code)) return true;
  }
  const code = (err as { code?: string } | null)?.code;
  return typeof code === 'string' && RETRYABLE_PG.has(code);
}

/**
 * Runs `fn` in a transaction, retrying when two attempts of the same business key raced (the loser's
 * unique violation rolls its whole transaction back, and the retry then finds the winner's effect) or
 * when PostgreSQL reports a serialization failure or deadlock.
 */
export async function ledgerTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
    } catch (err) {
      if (attempt < attempts && (isUniqueViolation(err) || isTransientConflict(err))) continue;
      throw err;
    }
  }
}

/** Posts a single entry in its own transaction. */
export function post(db: Db, input: EntryInput): Promise<PostedEntry> {
  return ledgerTransaction(db, (tx) => postEntry(tx, input));
}

export interface IntegrityProblem {
  walletId: string;
  problem: 'balance_differs_from_entries' | 'balance_after_chain_broken' | 'negative_balance';
  detail: string;
}

/**
 * Checks the ledger: every wallet's cached balance equals the sum of its entries, no balance is negative,
 * and each entry's balanceAfter equals the running sum of its wallet's entries in order.
 */
export async function checkLedgerIntegrity(db: Db): Promise<IntegrityProblem[]> {
  const problems: IntegrityProblem[] = [];
  const sums = await db.$queryRaw<{ walletId: string; balance: bigint; total: bigint }[]>`
    SELECT w."accountId" AS "walletId", w."balance", COALESCE(SUM(e."amount"), 0)::bigint AS "total"
    FROM "Wallet" w LEFT JOIN "LedgerEntry" e ON e."walletId" = w."accountId"
    GROUP BY w."accountId", w."balance"`;
  for (const s of sums) {
    if (s.balance !== s.total) {
      problems.push({ walletId: s.walletId, problem: 'balance_differs_from_entries', detail: `balance ${s.balance}, entries sum to ${s.total}` });
    }
    if (s.balance < 0n) problems.push({ walletId: s.walletId, problem: 'negative_balance', detail: `balance ${s.balance}` });
  }
  const chain = await db.$queryRaw<{ walletId: string; id: bigint; balanceAfter: bigint; running: bigint }[]>`
    SELECT "walletId", "id", "balanceAfter", "running" FROM (
      SELECT "walletId", "id", "balanceAfter",
             SUM("amount") OVER (PARTITION BY "walletId" ORDER BY "id")::bigint AS "running"
      FROM "LedgerEntry") t
    WHERE "balanceAfter" <> "running" LIMIT 100`;
  for (const c of chain) {
    problems.push({
      walletId: c.walletId,
      problem: 'balance_after_chain_broken',
      detail: `entry ${c.id}: balanceAfter ${c.balanceAfter}, running sum ${c.running}`,
    });
  }
  return problems;
}
