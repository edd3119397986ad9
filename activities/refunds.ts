// Refund activities. Every one is idempotent by refund id: a retried (or concurrently repeated) attempt
// finds the earlier effect — the Refund row, its credit's ledger entry — and returns it unchanged.
//
// Reservation model: a refund reserves its amount on the consumption when it is created, with one
// conditional UPDATE (`reservedAmount + amount <= amount`), so racing refunds of one consumption can never
// exceed it (the database CHECK refundedAmount <= reservedAmount <= amount backs this up). A credit moves
// the amount into refundedAmount and posts the ledger entry in the same transaction; a rejection releases
// the reservation.
import type { Db } from '../db/client.ts';
import type { Refund } from '../generated/prisma/client.ts';
import { ledgerTransaction, postEntry, type Tx } from '../db/ledger.ts';
import { BusinessError } from '../domain/errors.ts';
import { MAX_POINTS, toPoints } from '../domain/money.ts';
import { refundWorkflowId, stepKey } from '../workflows/ids.ts';
import { refundNeedsReview, type RefundReason, type RefundRecord } from '../workflows/refund/definitions.ts';
import { asActivity } from './failures.ts';
import { withinAutoRefundWindow } from '../domain/refund-window.ts';
import { emitRefundEvent } from '../db/events.ts';

export const refundCreditKey = (refundId: string) => stepKey(refundWorkflowId(refundId), 'credit');

export interface CreateRefundInput {
  refundId: string;
  consumptionId: string;
  amount: number;
  reason: RefundReason;
  memo?: string | null;
  /** When the review is overdue, should the refund go to review, from the workflow's calendar. */
  reviewDueAt?: string | null;
  /** An automatic reason on a consumption older than this many days before `requestedAt` goes to review. */
  autoRefundWindowDays?: number | null;
  /** When the refund was requested (the workflow's start time). */
  requestedAt?: string | null;
}

export interface ReviewMilestoneInput {
  refundId: string;
  milestone: 'reminded' | 'overdue';
  /** The instant the calendar scheduled it (workflow time). */
  at: string;
}

export function createRefundActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /**
     * Records the refund and reserves its amount on the consumption, atomically; a refund for an automatic
     * reason is credited in the same transaction. Refuses with refund_exceeds_consumption (recording
     * nothing) when the consumption's unreserved remainder is smaller than the amount.
     */
    async createRefund(input: CreateRefundInput): Promise<RefundRecord> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || input.amount > MAX_POINTS) {
            throw new BusinessError('validation_error', `refund amount must be a positive whole number of points, got ${input.amount}`);
          }
          const existing = await tx.refund.findUnique({ where: { id: input.refundId } });
          if (existing) return refundRecord(existing);

          const amount = BigInt(input.amount);
          const reserved = await tx.$queryRaw<{ accountId: string; fundingAccountId: string }[]>`
            UPDATE "Consumption" SET "reservedAmount" = "reservedAmount" + ${amount}
            WHERE "id" = ${input.consumptionId}::uuid AND "reservedAmount" + ${amount} <= "amount"
            RETURNING "accountId"::text AS "accountId", "fundingAccountId"::text AS "fundingAccountId"`;
          const c = reserved[0];
          if (!c) {
            // A concurrent attempt of this same refund may have committed while this one waited on the row.
            const twin = await tx.refund.findUnique({ where: { id: input.refundId } });
            if (twin) return refundRecord(twin);
            const consumption = await tx.consumption.findUnique({ where: { id: input.consumptionId } });
            if (!consumption) throw new BusinessError('not_found', `consumption ${input.consumptionId} not found`);
            const refundable = toPoints(consumption.amount - consumption.reservedAmount);
            throw new BusinessError(
              'refund_exceeds_consumption',
              `consumption ${consumption.id} of ${toPoints(consumption.amount)} points has ${refundable} points left to refund; ${input.amount} requested`,
              {
                consumptionAmount: toPoints(consumption.amount),
                refundedAmount: toPoints(consumption.refundedAmount),
                pendingRefundAmount: toPoints(consumption.reservedAmount - consumption.refundedAmount),
                refundableAmount: refundable,
                requested: input.amount,
              },
            );
          }
          const review =
            refundNeedsReview(input.reason) ||
            (input.autoRefundWindowDays != null &&
              input.requestedAt != null &&
              !withinAutoRefundWindow(await consumedAt(tx, input.consumptionId), new Date(input.requestedAt), input.autoRefundWindowDays));
          const created = await tx.refund.create({
            data: {
              id: input.refundId,
              consumptionId: input.consumptionId,
              accountId: c.accountId,
              fundingAccountId: c.fundingAccountId,
              amount,
              reason: input.reason,
              memo: input.memo ?? null,
              status: 'pending_review',
              reviewDueAt: review && input.reviewDueAt ? new Date(input.reviewDueAt) : null,
            },
          });
          if (review) return refundRecord(created);
          return refundRecord(await credit(tx, created, null));
        }),
      );
    },

    /** Credits a refund awaiting review (an admin approved it). Refuses (invalid_state) a rejected one. */
    async creditRefund(input: { refundId: string; memo?: string | null }): Promise<RefundRecord> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          const refund = await tx.refund.findUnique({ where: { id: input.refundId } });
          if (!refund) throw new BusinessError('not_found', `refund ${input.refundId} not found`);
          return refundRecord(await credit(tx, refund, input.memo ?? null));
        }),
      );
    },

    /** Rejects a refund awaiting review and releases its reservation. Refuses (invalid_state) a credited one. */
    async rejectRefund(input: { refundId: string; reason: string }): Promise<RefundRecord> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          const updated = await tx.refund.updateMany({
            where: { id: input.refundId, status: 'pending_review' },
            data: { status: 'rejected', decisionReason: input.reason, completedAt: new Date() },
          });
          const refund = await tx.refund.findUnique({ where: { id: input.refundId } });
          if (!refund) throw new BusinessError('not_found', `refund ${input.refundId} not found`);
          if (updated.count === 0) {
            if (refund.status === 'rejected') return refundRecord(refund);
            throw new BusinessError('invalid_state', `refund ${refund.id} was already credited`);
          }
          await tx.$executeRaw`
            UPDATE "Consumption" SET "reservedAmount" = "reservedAmount" - ${refund.amount}
            WHERE "id" = ${refund.consumptionId}::uuid`;
          await emitRefundEvent(tx, refund.id, 'rejected');
          return refundRecord(refund);
        }),
      );
    },

    /** Marks a review reminded or overdue, once (the first instant recorded stays). */
    async markRefundReview(input: ReviewMilestoneInput): Promise<void> {
      const at = new Date(input.at);
      if (input.milestone === 'reminded') {
        await db.refund.updateMany({ where: { id: input.refundId, remindedAt: null }, data: { remindedAt: at } });
      } else {
        await db.refund.updateMany({ where: { id: input.refundId, overdueAt: null }, data: { overdueAt: at } });
      }
    },
  };
}

async function consumedAt(tx: Tx, consumptionId: string): Promise<Date> {
  const c = await tx.consumption.findUniqueOrThrow({ where: { id: consumptionId }, select: { createdAt: true } });
  return c.createdAt;
}

/**
 * Credits `refund` inside the caller's transaction: succeeded, refundedAmount incremented and the ledger
 * entry posted (to the consumption's funding account, on behalf of the consumption's account), all once.
 */
async function credit(tx: Tx, refund: Refund, memo: string | null): Promise<Refund> {
  const updated = await tx.refund.updateMany({
    where: { id: refund.id, status: 'pending_review' },
    data: { status: 'succeeded', completedAt: new Date(), ...(memo ? { decisionReason: memo } : {}) },
  });
  if (updated.count === 0) {
    const current = await tx.refund.findUniqueOrThrow({ where: { id: refund.id } });
    if (current.status === 'succeeded') return current;
    throw new BusinessError('invalid_state', `refund ${refund.id} was rejected`);
  }
  await tx.$executeRaw`
    UPDATE "Consumption" SET "refundedAmount" = "refundedAmount" + ${refund.amount}
    WHERE "id" = ${refund.consumptionId}::uuid`;
  await postEntry(tx, {
    walletId: refund.fundingAccountId,
    accountId: refund.accountId,
    kind: 'refund',
    amount: toPoints(refund.amount),
    businessKey: refundCreditKey(refund.id),
    consumptionId: refund.consumptionId,
    refundId: refund.id,
    memo: refund.memo ?? refund.reason,
  });
  await emitRefundEvent(tx, refund.id, 'succeeded');
  return tx.refund.findUniqueOrThrow({ where: { id: refund.id } });
}

export function refundRecord(r: Refund): RefundRecord {
  return {
    id: r.id,
    consumptionId: r.consumptionId,
    accountId: r.accountId,
    fundingAccountId: r.fundingAccountId,
    amount: toPoints(r.amount),
    reason: r.reason,
    memo: r.memo,
    status: r.status,
    decisionReason: r.decisionReason,
    reviewDueAt: r.reviewDueAt?.toISOString() ?? null,
    remindedAt: r.remindedAt?.toISOString() ?? null,
    overdueAt: r.overdueAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
  };
}
