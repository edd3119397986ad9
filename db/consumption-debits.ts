// Consumption decisions on one funding wallet, taken under its row lock. A consumption id — the resource
// id of a request's Idempotency-Key or of a batch item's key, the same key space — is decided exactly
// once: debited (a Consumption row and the ledger entry with the business key consumption:<id>/debit)
// or refused for want of balance (a ConsumptionRefusal row). Whoever decides second (a single request, a
// batch item, a retried activity, a racing batch sharing keys) holds the same lock afterwards and finds
// the first decision instead of taking another.
//
// `debitWallets` applies many consumptions of many wallets in one transaction: the wallets' locks, one
// read of the earlier decisions, set-based inserts of the entries, consumptions and refusals in item
// order, and one balance update. It is the batch path's equivalent of postEntry for a whole group of
// debits. Balance alerts are detected once per wallet over its whole change (balance.low for each
// threshold between the balance before the first and after the last of its debits), so a batch emits
// each crossing once, naming its wallet's last debit entry as the cause.
import type { Tx } from './ledger.ts';
import { crossedThreshold, detectBalanceCrossings } from './balance-alerts.ts';
import { toPoints } from '../domain/money.ts';
import { consumptionWorkflowId, stepKey } from '../workflows/ids.ts';
import type { ConsumptionInput } from '../workflows/consumption/definitions.ts';

/** The business key of a consumption's debit entry, whichever path (single or batch) posts it. */
export const consumptionDebitKey = (consumptionId: string) => stepKey(consumptionWorkflowId(consumptionId), 'debit');

/** One consumption to decide: the consumption workflow's own input. */
export type DebitRequest = ConsumptionInput;

export type DebitDecision =
  | {
      status: 'succeeded';
      id: string;
      accountId: string;
      fundingAccountId: string;
      amount: number;
      balanceAfter: number;
      createdAt: string;
      /** Decided earlier (another request, batch or attempt); nothing was written now. */
      replayed: boolean;
    }
  | { status: 'insufficient_balance'; balance: number; required: number; fundingAccountId: string; replayed: boolean };

export interface WalletDebit {
  walletId: string;
  /** The cached balance when the lock was taken, and after this transaction's debits. */
  balanceBefore: number;
  balanceAfter: number;
  /** One decision per request, in request order. */
  decisions: DebitDecision[];
}

/**
 * Decides every request against the funding wallet `walletId` inside the caller's transaction, in
 * request order: an id decided before keeps its decision; a new one is debited when the running balance
 * covers it and refused (402) otherwise. A request whose id came earlier in the same list shares that
 * decision. Returns null when the wallet does not exist (nothing is written).
 */
export async function debitWallet(tx: Tx, walletId: string, requests: readonly DebitRequest[]): Promise<WalletDebit | null> {
  return (await debitWallets(tx, new Map([[walletId, requests]]))).get(walletId) ?? null;
}

/**
 * `debitWallet` for many wallets in one transaction and a fixed number of statements, whatever the
 * number of wallets: the wallets are locked in id order (so two batches never deadlock each other), the
 * earlier decisions of all ids read at once, and every wallet's entries, consumptions, refusals and
 * balance written set-based. Each wallet's requests are decided in their order, against its own balance.
 * A wallet that does not exist maps to null.
 */
export async function debitWallets(tx: Tx, requestsByWallet: ReadonlyMap<string, readonly DebitRequest[]>): Promise<Map<string, WalletDebit | null>> {
  const walletIds = [...requestsByWallet.keys()].sort();
  const locked = await tx.$queryRaw<{ accountId: string; balance: bigint }[]>`
    SELECT "accountId", "balance" FROM "Wallet" WHERE "accountId" = ANY(${walletIds}::uuid[])
    ORDER BY "accountId" FOR UPDATE`;
  const balances = new Map(locked.map((w) => [w.accountId, toPoints(w.balance)]));

  // Earlier decisions, read under the locks: every decision of an id of these wallets committed before.
  const ids = [...new Set([...requestsByWallet.values()].flatMap((rs) => rs.map((r) => r.consumptionId)))];
  // One statement for both kinds: a refused consumption waits on the lock too, so keep it short.
  const earlier = await tx.$queryRaw<
    {
      refused: boolean;
      id: string;
      accountId: string;
      fundingAccountId: string;
      amount: bigint | null;
      createdAt: Date;
      balanceAfter: bigint | null;
      balance: bigint | null;
      required: bigint | null;
    }[]
  >`
      SELECT false AS "refused", c."id", c."accountId", c."fundingAccountId", c."amount", c."createdAt", e."balanceAfter",
             NULL::bigint AS "balance", NULL::bigint AS "required"
      FROM unnest(${ids}::uuid[], ${ids.map(consumptionDebitKey)}::text[]) AS k("id", "key")
      JOIN "Consumption" c ON c."id" = k."id"
      JOIN "LedgerEntry" e ON e."businessKey" = k."key"
      UNION ALL
      SELECT true, r."consumptionId", r."accountId", r."fundingAccountId", NULL, r."createdAt", NULL, r."balance", r."required"
      FROM "ConsumptionRefusal" r WHERE r."consumptionId" = ANY(${ids}::uuid[])`;
  const decided = new Map<string, DebitDecision>();
  for (const c of earlier) {
    if (!c.refused) {
      decided.set(c.id, {
        status: 'succeeded',
        id: c.id,
        accountId: c.accountId,
        fundingAccountId: c.fundingAccountId,
        amount: toPoints(c.amount!),
        balanceAfter: toPoints(c.balanceAfter!),
        createdAt: c.createdAt.toISOString(),
        replayed: true,
      });
    }
  }
  for (const r of earlier) {
    if (r.refused && !decided.has(r.id)) {
      decided.set(r.id, {
        status: 'insufficient_balance',
        balance: toPoints(r.balance!),
        required: toPoints(r.required!),
        fundingAccountId: r.fundingAccountId,
        replayed: true,
      });
    }
  }

  const debits: { walletId: string; request: DebitRequest; balanceAfter: number }[] = [];
  const refusals: { walletId: string; request: DebitRequest; balance: number }[] = [];
  const moved: { walletId: string; total: number; after: number }[] = [];
  const pending = new Map<string, DebitDecision>();
  const out = new Map<string, WalletDebit | null>();
  for (const walletId of walletIds) {
    const before = balances.get(walletId);
    if (before === undefined) {
      out.set(walletId, null);
      continue;
    }
    let balance = before;
    const requests = requestsByWallet.get(walletId)!;
    for (const request of requests) {
      if (decided.has(request.consumptionId) || pending.has(request.consumptionId)) continue;
      if (balance >= request.amount) {
        balance -= request.amount;
        debits.push({ walletId, request, balanceAfter: balance });
        pending.set(request.consumptionId, {
          status: 'succeeded',
          id: request.consumptionId,
          accountId: request.accountId,
          fundingAccountId: walletId,
          amount: request.amount,
          balanceAfter: balance,
          createdAt: '',
          replayed: false,
        });
      } else {
        refusals.push({ walletId, request, balance });
        pending.set(request.consumptionId, { status: 'insufficient_balance', balance, required: request.amount, fundingAccountId: walletId, replayed: false });
      }
    }
    if (balance !== before) moved.push({ walletId, total: before - balance, after: balance });
    out.set(walletId, { walletId, balanceBefore: before, balanceAfter: balance, decisions: [] });
  }

  if (debits.length > 0) {
    const d = debits.map((x) => x.request);
    // Entries in request order per wallet, so ids ascend with each wallet's running balance (the chain).
    await tx.$executeRaw`
      INSERT INTO "LedgerEntry" ("walletId", "accountId", "kind", "amount", "balanceAfter", "businessKey", "consumptionId", "memo")
      SELECT t."walletId", t."accountId", 'consumption'::"LedgerKind", -t."amount", t."balanceAfter", t."key", t."id", t."memo"
      FROM unnest(
        ${debits.map((x) => x.walletId)}::uuid[], ${d.map((r) => r.accountId)}::uuid[], ${d.map((r) => r.amount)}::bigint[],
        ${debits.map((x) => x.balanceAfter)}::bigint[], ${d.map((r) => consumptionDebitKey(r.consumptionId))}::text[],
        ${d.map((r) => r.consumptionId)}::uuid[], ${d.map((r) => r.reference ?? r.memo ?? null)}::text[]
      ) WITH ORDINALITY AS t("walletId", "accountId", "amount", "balanceAfter", "key", "id", "memo", "ord")
      ORDER BY t."ord"`;
    const created = await tx.$queryRaw<{ createdAt: Date }[]>`
      INSERT INTO "Consumption" ("id", "accountId", "fundingAccountId", "amount", "item", "quantity", "reference", "memo")
      SELECT t."id", t."accountId", t."walletId", t."amount", t."item", t."quantity", t."reference", t."memo"
      FROM unnest(
        ${d.map((r) => r.consumptionId)}::uuid[], ${d.map((r) => r.accountId)}::uuid[], ${debits.map((x) => x.walletId)}::uuid[],
        ${d.map((r) => r.amount)}::bigint[], ${d.map((r) => r.item ?? null)}::text[], ${d.map((r) => r.quantity ?? null)}::int[],
        ${d.map((r) => r.reference ?? null)}::text[], ${d.map((r) => r.memo ?? null)}::text[]
      ) AS t("id", "accountId", "walletId", "amount", "item", "quantity", "reference", "memo")
      RETURNING "createdAt"`;
    const createdAt = created[0]!.createdAt.toISOString();
    for (const decision of pending.values()) if (decision.status === 'succeeded') decision.createdAt = createdAt;
    // `crossed`: the wallet's whole change in this transaction passed one of its balance alert thresholds
    // (as db/balance-alerts.ts crossedThreshold tells postEntry), in the same round trip.
    const updated = await tx.$queryRaw<{ accountId: string; balance: bigint; crossed: boolean }[]>`
      UPDATE "Wallet" SET "balance" = "Wallet"."balance" - t."total", "updatedAt" = now()
      FROM unnest(${moved.map((m) => m.walletId)}::uuid[], ${moved.map((m) => m.total)}::bigint[]) AS t("walletId", "total")
      WHERE "Wallet"."accountId" = t."walletId" AND "Wallet"."balance" >= t."total"
      RETURNING "Wallet"."accountId", "Wallet"."balance",
        EXISTS (SELECT 1 FROM "BalanceAlert" a WHERE a."accountId" = "Wallet"."accountId"
          AND a."threshold" > "Wallet"."balance" AND a."threshold" <= "Wallet"."balance" + t."total") AS "crossed"`;
    const after = new Map(updated.map((u) => [u.accountId, toPoints(u.balance)]));
    for (const m of moved) {
      if (after.get(m.walletId) !== m.after) throw new Error(`wallet ${m.walletId} moved while locked: expected ${m.after}, found ${after.get(m.walletId)}`);
    }
    // One detection per wallet over its whole change, so each threshold the batch crossed is told once. The
    // cause is the wallet's last debit of this transaction: the entry that left the balance where it is.
    const lastKey = new Map<string, string>();
    for (const x of debits) lastKey.set(x.walletId, consumptionDebitKey(x.request.consumptionId));
    for (const u of updated) {
      if (!u.crossed) continue;
      const m = moved.find((x) => x.walletId === u.accountId)!;
      await detectBalanceCrossings(tx, { walletId: u.accountId, before: u.balance + BigInt(m.total), after: u.balance, cause: lastKey.get(u.accountId)! });
    }
  }
  if (refusals.length > 0) {
    const r = refusals.map((x) => x.request);
    await tx.$executeRaw`
      INSERT INTO "ConsumptionRefusal" ("consumptionId", "accountId", "fundingAccountId", "balance", "required")
      SELECT t."id", t."accountId", t."walletId", t."balance", t."required"
      FROM unnest(${r.map((x) => x.consumptionId)}::uuid[], ${r.map((x) => x.accountId)}::uuid[], ${refusals.map((x) => x.walletId)}::uuid[],
                  ${refusals.map((x) => x.balance)}::bigint[], ${r.map((x) => x.amount)}::bigint[])
        AS t("id", "accountId", "walletId", "balance", "required")
      ON CONFLICT DO NOTHING`;
  }

  for (const [walletId, debit] of out) {
    if (debit) debit.decisions = requestsByWallet.get(walletId)!.map((r) => (decided.get(r.consumptionId) ?? pending.get(r.consumptionId))!);
  }
  return out;
}

/** What `debitOne` did. */
export type SingleDebitOutcome =
  /** Debited now: the entry is posted and the consumption recorded. */
  | { kind: 'debited'; balanceAfter: number; createdAt: Date }
  /** Debited before (a retried attempt, a twin, a batch sharing the key): nothing was written now. */
  | { kind: 'replayed'; balanceAfter: number }
  /** Nothing written: the balance is short or the wallet is missing; decide under the lock (`debitWallet`). */
  | { kind: 'short' }
  /** Refused before (a batch decided it first under the wallet's lock); the caller must roll back. */
  | { kind: 'refused_before' };

/**
 * The common path of one consumption, in two statements inside the caller's transaction: the wallet's
 * conditional UPDATE and its ledger entry in one statement (no debit when the balance is short or the
 * entry's business key was posted before), then the Consumption row unless a refusal of this id was
 * recorded before the UPDATE took the wallet's lock. A twin that committed the same key while this one
 * waited for the lock makes the entry's insert fail on its unique business key, which rolls the
 * transaction back (ledgerTransaction retries it and then finds the twin's entry), as with postEntry.
 * Balance alerts are detected as postEntry does: only when the UPDATE says a threshold was crossed.
 */
export async function debitOne(tx: Tx, walletId: string, request: DebitRequest): Promise<SingleDebitOutcome> {
  const key = consumptionDebitKey(request.consumptionId);
  const delta = BigInt(-request.amount);
  const rows = await tx.$queryRaw<{ balance: bigint; crossed: boolean }[]>`
    WITH w AS (
      UPDATE "Wallet" SET "balance" = "balance" + ${delta}, "updatedAt" = now()
      WHERE "accountId" = ${walletId}::uuid AND "balance" >= ${-delta}
        AND NOT EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "businessKey" = ${key})
      RETURNING "balance", ${crossedThreshold(delta)} AS "crossed"
    ), e AS (
      INSERT INTO "LedgerEntry" ("walletId", "accountId", "kind", "amount", "balanceAfter", "businessKey", "consumptionId", "memo")
      SELECT ${walletId}::uuid, ${request.accountId}::uuid, 'consumption'::"LedgerKind", ${delta}, w."balance", ${key}, ${request.consumptionId}::uuid, ${request.reference ?? request.memo ?? null}
      FROM w
      RETURNING 1
    )
    SELECT w."balance", w."crossed" FROM w, e`;
  const updated = rows[0];
  if (!updated) {
    const entry = await tx.ledgerEntry.findUnique({ where: { businessKey: key } });
    if (!entry) return { kind: 'short' };
    if (entry.walletId !== walletId || entry.amount !== delta || entry.kind !== 'consumption') {
      throw new Error(`business key ${key} was already used for a different ledger effect`);
    }
    return { kind: 'replayed', balanceAfter: toPoints(entry.balanceAfter) };
  }
  if (updated.crossed) await detectBalanceCrossings(tx, { walletId, before: updated.balance - delta, after: updated.balance, cause: key });
  const created = await tx.$queryRaw<{ createdAt: Date }[]>`
    INSERT INTO "Consumption" ("id", "accountId", "fundingAccountId", "amount", "item", "quantity", "reference", "memo")
    SELECT ${request.consumptionId}::uuid, ${request.accountId}::uuid, ${walletId}::uuid, ${-delta}, ${request.item ?? null}, ${request.quantity ?? null}::int,
           ${request.reference ?? null}, ${request.memo ?? null}
    WHERE NOT EXISTS (SELECT 1 FROM "ConsumptionRefusal" WHERE "consumptionId" = ${request.consumptionId}::uuid)
    RETURNING "createdAt"`;
  if (!created[0]) return { kind: 'refused_before' };
  return { kind: 'debited', balanceAfter: toPoints(updated.balance), createdAt: created[0].createdAt };
}

/** The account a consumption is for, its funding account's auto-recharge setting, in one read. */
export async function consumerOf(tx: Tx, accountId: string) {
  const rows = await tx.$queryRaw<{ id: string; parentId: string | null; billingMode: 'own' | 'parent'; enabled: boolean | null; threshold: bigint | null }[]>`
    SELECT a."id", a."parentId", a."billingMode"::text AS "billingMode", r."enabled", r."threshold"
    FROM "Account" a
    LEFT JOIN "AutoRecharge" r ON r."accountId" = CASE WHEN a."billingMode" = 'parent' THEN a."parentId" ELSE a."id" END
    WHERE a."id" = ${accountId}::uuid`;
  const row = rows[0];
  if (!row) return null;
  return {
    account: { id: row.id, parentId: row.parentId, billingMode: row.billingMode },
    setting: row.enabled === null ? null : { enabled: row.enabled, threshold: row.threshold! },
  };
}
