// Charges (top-ups). The API creates the charge id (one per principal and Idempotency-Key), starts the
// charge's workflow and waits for its first answer; later decisions go to the workflow as updates. The
// Charge and ChargeEvent rows, written by the workflow's activities, answer every read, also after the
// workflow has closed.
import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { AppDeps } from '../deps.ts';
import { accountFor, canActFor, principalId, principalOf, requireAdmin, visibleAccountIds } from '../auth.ts';
import { idempotent, type Outcome } from '../idempotency.ts';
import { displayName, parse } from '../validation.ts';
import { HttpProblem } from '../problem.ts';
import { businessEvents } from '../metrics.ts';
import { storedCardOf } from './payment-methods.ts';
import type { Db } from '../../db/client.ts';
import type { Config } from '../../config/config.ts';
import type { Charge, ChargeEvent, Prisma, TaxDocument } from '../../generated/prisma/client.ts';
import { ErrorCode, isErrorCode } from '../../domain/errors.ts';
import { MAX_POINTS, toPoints } from '../../domain/money.ts';
import { chargeWorkflowId } from '../../workflows/ids.ts';
import {
  awaitAcceptedWithinUpdate,
  cancelChargeUpdate,
  chargeWorkflowType,
  confirmDepositUpdate,
  isTerminalChargeStatus,
  rejectChargeUpdate,
  type ChargeInput,
  type ChargeSnapshot,
  type ChargeStatus,
  type ChargeWorkflow,
  type VirtualAccountInfo,
} from '../../workflows/charge/definitions.ts';

const Id = z.uuid({ message: 'must be a UUID' });
const Points = z.number().int().positive();
const STATUSES = ['pending', 'awaiting_deposit', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] as const;

const CreateCharge = z
  .object({
    accountId: Id,
    amount: Points,
    method: z.enum(['card', 'bank_transfer', 'virtual_account']),
    depositorName: displayName(100).optional(),
    paymentMethodId: Id.optional(),
  })
  .strict()
  .refine((b) => b.method !== 'card' || b.paymentMethodId !== undefined, { message: 'a card charge needs a paymentMethodId', path: ['paymentMethodId'] })
  .refine((b) => b.method === 'card' || b.paymentMethodId === undefined, { message: 'paymentMethodId goes with method "card"', path: ['paymentMethodId'] })
  .refine((b) => b.method === 'bank_transfer' || b.depositorName === undefined, { message: 'depositorName goes with method "bank_transfer"', path: ['depositorName'] });

const ConfirmDeposit = z
  .object({
    depositedAmount: Points.max(MAX_POINTS),
    depositorName: displayName(100).optional(),
    memo: z.string().max(500).optional(),
  })
  .strict();
const RejectCharge = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
const CancelCharge = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

const ListQuery = z
  .object({
    accountId: Id.optional(),
    status: z.enum(STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

type ChargeWithEvents = Charge & { events: ChargeEvent[]; taxDocument?: TaxDocument | null };

/** The JSON shape of a charge with its timeline. */
export function chargeView(c: ChargeWithEvents) {
  const amount = toPoints(c.amount);
  const deposited = c.depositedAmount === null ? undefined : toPoints(c.depositedAmount);
  return {
    id: c.id,
    accountId: c.accountId,
    amount,
    method: c.method,
    status: c.status,
    origin: c.origin,
    depositorName: c.depositorName ?? undefined,
    paymentMethodId: c.paymentMethodId ?? undefined,
    bankAccount: c.bankAccount ?? undefined,
    processingStartsAt: c.processingStartsAt?.toISOString(),
    expectedBy: c.expectedBy?.toISOString(),
    expiresAt: c.expiresAt?.toISOString(),
    depositedAmount: deposited,
    /** Deposited minus requested (bank transfers), when they differ or not. */
    difference: deposited === undefined ? undefined : deposited - amount,
    creditedAmount: c.creditedAmount === null ? undefined : toPoints(c.creditedAmount),
    failureCode: c.failureCode ?? undefined,
    failureReason: c.failureReason ?? undefined,
    gatewayReference: c.gatewayReference ?? undefined,
    virtualAccount: (c.virtualAccount ?? undefined) as VirtualAccountInfo | undefined,
    /** Who confirmed the deposit: admin, bank_feed (the bank deposit feed) or gateway (a virtual account). */
    confirmedBy: c.confirmedBy ?? undefined,
    taxDocument: c.taxDocument ? taxDocumentView(c.taxDocument) : undefined,
    createdAt: c.createdAt.toISOString(),
    completedAt: c.completedAt?.toISOString(),
    timeline: c.events.map((e) => ({ type: e.type, at: e.at.toISOString(), data: e.data ?? undefined })),
  };
}

const withEvents = { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] }, taxDocument: true } satisfies Prisma.ChargeInclude;

/** A deposit top-up's tax document as the charge shows it. */
export function taxDocumentView(d: TaxDocument) {
  return { type: d.type, status: d.status, number: d.number ?? undefined, failureReason: d.failureReason ?? undefined };
}

export function loadCharge(db: Db, id: string): Promise<ChargeWithEvents | null> {
  return db.charge.findUnique({ where: { id }, include: withEvents });
}

/** Loads a charge the principal may see, or answers 404 as if it did not exist. */
async function visibleCharge(db: Db, req: Request, id: string): Promise<ChargeWithEvents> {
  const charge = await loadCharge(db, id);
  const account = charge && (await db.account.findUnique({ where: { id: charge.accountId } }));
  if (!charge || !account || !canActFor(principalOf(req), account)) throw new HttpProblem('not_found', `charge ${id} not found`);
  return charge;
}

/** Refuses an amount outside the per-method minimum and the maximum (422) before anything is recorded. */
export function checkLimits(config: Config, method: 'card' | 'bank_transfer' | 'virtual_account', amount: number) {
  const minimum = config.chargeLimits.minimum[method];
  const maximum = config.chargeLimits.maximum;
  if (amount < minimum) {
    throw new HttpProblem('amount_below_minimum', `a ${method} charge is at least ${minimum} points`, { minimum, maximum });
  }
  if (amount > maximum) {
    throw new HttpProblem('amount_above_maximum', `a charge is at most ${maximum} points`, { minimum, maximum });
  }
}

/**
 * Starts the charge's workflow (or finds the running one: racing twins share the id) and waits for its
 * first answer: a bank transfer once it awaits its deposit, a card charge until its outcome is known or
 * `config.cardChargeWaitMs` passes (then it is still `pending`). Undefined when the workflow has already
 * closed (a card charge that finished before the update reached it, or a retried request whose first
 * answer was lost): the read model has the outcome.
 */
export async function startCharge(temporal: Client, config: Config, input: ChargeInput): Promise<ChargeSnapshot | undefined> {
  const workflowId = chargeWorkflowId(input.chargeId);
  let handle: WorkflowHandle<ChargeWorkflow>;
  try {
    handle = await temporal.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return undefined;
  }
  try {
    return await handle.executeUpdate(awaitAcceptedWithinUpdate, { args: [{ waitMs: config.cardChargeWaitMs }] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return undefined;
  }
}

type Action = 'confirm' | 'reject' | 'cancel';
const OUTCOME: Record<Action, ChargeStatus> = { confirm: 'succeeded', reject: 'rejected', cancel: 'cancelled' };

/**
 * Answers a decision on a closed charge from the read model: the same decision again is harmless, but a
 * confirmation of another deposited amount than the one confirmed is not.
 */
function answerClosed(charge: Charge, action: Action, depositedAmount?: number): void {
  if (charge.status !== OUTCOME[action]) {
    throw new HttpProblem('invalid_state', `charge ${charge.id} is ${charge.status}`, { status: charge.status });
  }
  const confirmed = charge.depositedAmount === null ? undefined : toPoints(charge.depositedAmount);
  if (depositedAmount !== undefined && confirmed !== undefined && confirmed !== depositedAmount) {
    throw new HttpProblem('invalid_state', `charge ${charge.id} was confirmed with a deposit of ${confirmed} points, not ${depositedAmount}`, {
      status: charge.status,
      depositedAmount: confirmed,
      requestedDepositedAmount: depositedAmount,
    });
  }
}

/** Sends a decision to the charge's workflow; closed workflows and refusals become problems. */
async function decide(
  db: Db,
  temporal: Client,
  charge: Charge,
  action: Action,
  send: (h: WorkflowHandle<ChargeWorkflow>) => Promise<unknown>,
  depositedAmount?: number,
) {
  if (charge.method !== 'bank_transfer' && !(charge.method === 'virtual_account' && action === 'cancel')) {
    throw new HttpProblem('invalid_state', `a ${charge.method} charge cannot be ${action === 'confirm' ? 'confirmed' : `${action}ed`}`, { status: charge.status });
  }
  if (isTerminalChargeStatus(charge.status)) return answerClosed(charge, action, depositedAmount);
  try {
    await send(temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(charge.id)));
  } catch (err) {
    // A refusal by the update's validator or handler reaches the client through toHttpProblem.
    if (err instanceof WorkflowNotFoundError) {
      // The workflow closed between our read and the update: the read model has its outcome.
      const now = await db.charge.findUniqueOrThrow({ where: { id: charge.id } });
      return answerClosed(now, action, depositedAmount);
    }
    throw err;
  }
}

/** An opaque (createdAt, id) position in a list ordered by both; shared by the charge and refund lists. */
export function encodeCursor(c: { createdAt: Date; id: string }): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const parts = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString().split('|') : [];
  const [at, id] = parts;
  const createdAt = new Date(at ?? '');
  // Exactly what encodeCursor writes: a canonical ISO instant (years 0000-9999, which PostgreSQL's
  // timestamptz holds; '+275760-09-13' or '-100000-01-01' parse in JavaScript but overflow there) and a UUID.
  if (parts.length !== 2 || !id || !Id.safeParse(id).success || Number.isNaN(createdAt.getTime()) || !/^\d{4}-/.test(at ?? '') || createdAt.toISOString() !== at) {
    throw new HttpProblem('validation_error', 'cursor: not a cursor returned by this endpoint');
  }
  return { createdAt, id };
}

/** The where-clause that continues a list ordered by (createdAt, id) in `dir` after `cursor`. */
export function afterCursor(cursor: string | undefined, dir: 'asc' | 'desc') {
  if (!cursor) return {};
  const after = decodeCursor(cursor);
  const beyond = <T,>(v: T) => (dir === 'asc' ? { gt: v } : { lt: v });
  return { OR: [{ createdAt: beyond(after.createdAt) }, { createdAt: after.createdAt, id: beyond(after.id) }] };
}

export interface OpenCharge {
  chargeId: string;
  accountId: string;
  amount: number;
  method: 'card' | 'bank_transfer' | 'virtual_account';
  origin: ChargeInput['origin'];
  depositorName?: string | undefined;
  paymentMethodId?: string | undefined;
}

/**
 * Starts the charge (idempotent per charge id) and answers its first outcome: 201 a succeeded card
 * charge; 202 a bank transfer awaiting its deposit, or a card charge whose outcome is not known yet
 * (`pending`: the workflow keeps asking the gateway); a 4xx problem naming the charge (`chargeId`) for a
 * card charge that failed — never 201. The caller has checked access and limits.
 */
export async function openCharge({ db, temporal, config }: Pick<AppDeps, 'db' | 'temporal' | 'config'>, request: OpenCharge): Promise<Outcome> {
  const { chargeId } = request;
  const snapshot = await startCharge(temporal, config, {
    chargeId,
    accountId: request.accountId,
    amount: request.amount,
    method: request.method,
    origin: request.origin,
    depositorName: request.depositorName ?? null,
    paymentMethodId: request.paymentMethodId ?? null,
    calendar: config.calendar,
    schedule: { confirmWithinBusinessHours: config.schedule.confirmWithinBusinessHours, expireAfterBusinessDays: config.schedule.expireAfterBusinessDays },
    bankAccount: config.bankAccount,
    virtualAccountValidHours: config.virtualAccountValidHours,
  });
  const charge = await loadCharge(db, chargeId);
  if (!charge) {
    // Refused before anything was recorded (the account or card changed since the checks above).
    const refused = snapshot ?? (await temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(chargeId)).result());
    businessEvents.inc({ kind: 'charge', outcome: 'refused' });
    const code = refused.failureCode && isErrorCode(refused.failureCode) ? refused.failureCode : 'invalid_state';
    throw new HttpProblem(code, refused.failureReason ?? 'the charge was refused');
  }
  businessEvents.inc({ kind: 'charge', outcome: charge.failureCode ?? charge.status });
  if (charge.status === 'failed') {
    const code = charge.failureCode && isErrorCode(charge.failureCode) && ErrorCode[charge.failureCode] < 500 ? charge.failureCode : 'payment_failed';
    throw new HttpProblem(code, charge.failureReason ?? 'the charge failed', { chargeId, charge: chargeView(charge) });
  }
  return { status: charge.status === 'succeeded' ? 201 : 202, body: chargeView(charge) };
}

export function chargesRouter({ db, temporal, config }: AppDeps): Router {
  const r = Router();

  r.post('/charges', async (req, res) => {
    const body = parse(CreateCharge, req.body);
    const account = await accountFor(db, principalOf(req), body.accountId);
    if (account.billingMode === 'parent') {
      throw new HttpProblem('invalid_state', `account ${account.id} is billed to its partner; the partner ${account.parentId} tops up`, {
        fundingAccountId: account.parentId,
      });
    }
    checkLimits(config, body.method, body.amount);
    if (body.paymentMethodId) await storedCardOf(db, account.id, body.paymentMethodId);
    await idempotent(db, req, res, (chargeId) =>
      openCharge({ db, temporal, config }, { chargeId, accountId: account.id, amount: body.amount, method: body.method, origin: 'api', depositorName: body.depositorName, paymentMethodId: body.paymentMethodId }),
    );
  });

  r.get('/charges/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    res.json(chargeView(await visibleCharge(db, req, id)));
  });

  r.get('/charges', async (req, res) => {
    const q = parse(ListQuery, req.query);
    const visible = await visibleAccountIds(db, principalOf(req));
    if (q.accountId && visible && !visible.includes(q.accountId)) throw new HttpProblem('not_found', `account ${q.accountId} not found`);
    // The admin's deposit queue (awaiting_deposit) reads oldest first; everything else newest first.
    const dir: Prisma.SortOrder = q.status === 'awaiting_deposit' ? 'asc' : 'desc';
    const rows = await db.charge.findMany({
      where: {
        ...(q.accountId ? { accountId: q.accountId } : visible ? { accountId: { in: visible } } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...afterCursor(q.cursor, dir),
      },
      orderBy: [{ createdAt: dir }, { id: dir }],
      take: q.limit + 1,
      include: withEvents,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({ charges: page.map(chargeView), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null });
  });

  r.post('/charges/:id/cancel', async (req, res) => {
    const id = parse(Id, req.params.id);
    const body = parse(CancelCharge, req.body ?? {});
    const charge = await visibleCharge(db, req, id);
    await decide(db, temporal, charge, 'cancel', (h) =>
      h.executeUpdate(cancelChargeUpdate, { args: [{ reason: body.reason ?? null, by: principalId(principalOf(req)) }] }),
    );
    res.json(chargeView((await loadCharge(db, id))!));
  });

  r.post('/charges/:id/confirm-deposit', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(ConfirmDeposit, req.body);
    const charge = await visibleCharge(db, req, id);
    await decide(db, temporal, charge, 'confirm', (h) =>
      h.executeUpdate(confirmDepositUpdate, {
        args: [{ depositedAmount: body.depositedAmount, depositorName: body.depositorName ?? null, memo: body.memo ?? null, by: 'admin' }],
      }),
      body.depositedAmount,
    );
    res.json(chargeView((await loadCharge(db, id))!));
  });

  r.post('/charges/:id/reject', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(RejectCharge, req.body);
    const charge = await visibleCharge(db, req, id);
    await decide(db, temporal, charge, 'reject', (h) => h.executeUpdate(rejectChargeUpdate, { args: [{ reason: body.reason, by: 'admin' }] }));
    res.json(chargeView((await loadCharge(db, id))!));
  });

  return r;
}
