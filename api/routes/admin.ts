// The admin's page (/admin, outside /v1: the page itself is public, its script sends the admin key) and the
// admin-only list of recent admin events it shows.
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { requireAdmin } from '../auth.ts';
import { parse } from '../validation.ts';
import { sendPage } from '../pages/html.ts';
import { adminPage, ADMIN_SCRIPT_SRC } from '../pages/admin.ts';
import type { Db } from '../../db/client.ts';
import { toPoints } from '../../domain/money.ts';
import { ChargeEventType } from '../../workflows/charge/definitions.ts';
import { REFUND_REASONS, refundNeedsReview } from '../../workflows/refund/definitions.ts';

const Id = z.uuid();

const EventsQuery = z
  .object({
    type: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const DecisionsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Names of the given accounts, for lists that show a business rather than its id. */
async function accountNames(db: Db, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
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
export async function recentDecisions(db: Db, limit: number) {
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

export function adminEventsRouter({ db }: AppDeps): Router {
  const r = Router();

  r.get('/admin/decisions', async (req, res) => {
    requireAdmin(req);
    const q = parse(DecisionsQuery, req.query);
    res.json({ decisions: await recentDecisions(db, q.limit) });
  });

  // Newest first: what happened lately.
  r.get('/admin/events', async (req, res) => {
    requireAdmin(req);
    const q = parse(EventsQuery, req.query);
    const rows = await db.adminEvent.findMany({ where: q.type ? { type: q.type } : {}, orderBy: { id: 'desc' }, take: q.limit });
    const names = await accountNames(db, rows.map((e) => e.accountId));
    res.json({
      events: rows.map((e) => ({
        id: e.id.toString(),
        type: e.type,
        subjectId: e.subjectId,
        accountId: e.accountId ?? undefined,
        accountName: e.accountId ? names.get(e.accountId) : undefined,
        data: e.data ?? undefined,
        createdAt: e.createdAt.toISOString(),
      })),
    });
  });

  return r;
}

export function adminPageRouter({ config }: AppDeps): Router {
  const r = Router();
  const page = adminPage(config.calendar.timeZone);
  r.get('/admin', (_req, res) => {
    sendPage(res, 200, page, { scriptSrc: ADMIN_SCRIPT_SRC, connectSelf: true });
  });
  return r;
}
