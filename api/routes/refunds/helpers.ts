// What the refund routes do besides parsing and answering: load a refund the caller may see, and start a
// refund's workflow with the configured review rules and answer its first answer.
import type { Client } from '@temporalio/client';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../../config/config.ts';
import type { RefundReason } from '../../../workflows/refund/definitions.ts';
import { startRefund } from '../../../workflows/refund/client.ts';
import { visibleOr404 } from '../../access.ts';
import type { Principal } from '../../principal.ts';
import type { Outcome } from '../../idempotency.ts';
import { HttpProblem } from '../../problem.ts';
import { businessEvents } from '../../metrics.ts';
import { refundView } from '../../views/refund.ts';

/** Loads a refund whose account the principal may act for, or answers 404 as if it did not exist. */
export async function refundFor(db: Db, p: Principal, id: string) {
  return visibleOr404(db, p, await db.refund.findUnique({ where: { id } }), (r) => r.accountId, 'refund', id);
}

export interface RefundRequest {
  refundId: string;
  consumptionId: string;
  amount: number;
  reason: RefundReason;
  memo: string | null;
}

/**
 * Starts the refund's workflow (or attaches to it) and answers 201 when it credited at once, 202 when it
 * awaits an admin's review (a review reason, or an automatic one on a consumption older than
 * AUTO_REFUND_WINDOW_DAYS), or the problem it was refused with.
 */
export async function openRefund(temporal: Client, config: Config, request: RefundRequest): Promise<Outcome> {
  const outcome = await startRefund(temporal, config.temporal, {
    ...request,
    calendar: config.calendar,
    review: {
      remindAfterBusinessDays: config.schedule.refundRemindAfterBusinessDays,
      overdueAfterBusinessDays: config.schedule.refundOverdueAfterBusinessDays,
    },
    autoRefundWindowDays: config.autoRefundWindowDays,
  });
  businessEvents.inc({ kind: 'refund', outcome: outcome.outcome === 'refused' ? outcome.code : outcome.refund.status });
  if (outcome.outcome === 'refused') throw new HttpProblem(outcome.code, outcome.message, outcome.details);
  return { status: outcome.refund.status === 'pending_review' ? 202 : 201, body: refundView(outcome.refund) };
}
