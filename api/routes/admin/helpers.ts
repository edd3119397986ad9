// What the admin routes read: the names of the accounts a list shows, and the admins' recent decisions.
import type { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { toPoints } from '../../../domain/money.ts';
import { ChargeEventType } from '../../../workflows/charge/definitions.ts';
import { REFUND_REASONS, refundNeedsReview } from '../../../workflows/refund/definitions.ts';
import { Id } from '../../schemas.ts';
import type { AdminDecisionView } from '../../views/admin.ts';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Names of the given accounts, for lists that show a business rather than its id. */
export async function accountNames(db: Db, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && Id.safeParse(id).success))];
  if (!wanted.length) return new Map();
  const rows = await db.account.findMany({ where: { id: { in: wanted } }, select: { id: true, name: true } });
  return new Map(rows.map((a) => [a.id, a.name]));
}

/**
 * The admins' recent decisions, newest first: deposits confirmed and bank transfers rejected (from the
 * charges' timelines) and reviewed refunds approved or rejected. Read from the records the decisions left,
 * so nothing extra is written when staff decide.
 */
export async function recentDecisions(db: Db, limit: number): Promise<z.infer<typeof AdminDecisionView>[]> {
  const [chargeEvents, refunds] = await Promise.all([
    db.chargeEvent.findMany({
      where: { type: { in: [ChargeEventType.depositConfirmed, ChargeEventType.rejected] } },
      orderBy: { id: 'desc' },
      take: limit,
      include: { charge: true },
    }),
    db.refund.findMany({
      where: { status: { in: ['succeeded', 'rejected'] }, reason: { in: REFUND_REASONS.filter(refundNeedsReview) }, completedAt: { not: null } },
      orderBy: [{ completedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    }),
  ]);
  const names = await accountNames(db, [...chargeEvents.map((e) => e.charge.accountId), ...refunds.map((r) => r.accountId)]);
  const fromCharges = chargeEvents.map((e) => {
    const data = (e.data ?? {}) as Record<string, unknown>;
    const confirmed = e.type === ChargeEventType.depositConfirmed;
    return {
      kind: confirmed ? ('deposit_confirmed' as const) : ('charge_rejected' as const),
      subject: 'charge' as const,
      subjectId: e.chargeId,
      accountId: e.charge.accountId,
      accountName: names.get(e.charge.accountId),
      amount: confirmed && typeof data.depositedAmount === 'number' ? data.depositedAmount : toPoints(e.charge.amount),
      requestedAmount: toPoints(e.charge.amount),
      depositorName: e.charge.depositorName ?? undefined,
      note: text(confirmed ? data.memo : data.reason),
      by: typeof data.by === 'string' ? data.by : undefined,
      at: e.at.toISOString(),
    };
  });
  const fromRefunds = refunds.map((r) => ({
    kind: r.status === 'succeeded' ? ('refund_approved' as const) : ('refund_rejected' as const),
    subject: 'refund' as const,
    subjectId: r.id,
    accountId: r.accountId,
    accountName: names.get(r.accountId),
    amount: toPoints(r.amount),
    reason: r.reason,
    note: r.decisionReason ?? undefined,
    at: r.completedAt!.toISOString(),
  }));
  return [...fromCharges, ...fromRefunds].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}
