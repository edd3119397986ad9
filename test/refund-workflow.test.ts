// The refund workflow on the time-skipping test server, with the real activities against PostgreSQL:
// automatic credits, review deadlines from the calendar (reminder after 1 business day, overdue after 5,
// closures in between move them), admin decisions, reservations under races, and replayed activities.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { seedFundedAccount } from './support/seed.ts';
import { workflowsPath } from '../worker/worker.ts';
import { createActivities, type Activities } from '../activities/index.ts';
import { refundCreditKey } from '../activities/refunds.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { defaultCalendar, reviewSchedule, type BusinessCalendar } from '../domain/calendar.ts';
import { refundWorkflowId } from '../workflows/ids.ts';
import {
  approveRefundUpdate,
  refundOutcomeUpdate,
  refundStateQuery,
  refundWorkflowType,
  rejectRefundUpdate,
  type RefundInput,
  type RefundOutcome,
  type RefundReason,
  type RefundRecord,
  type RefundWorkflow,
} from '../workflows/refund/definitions.ts';

const DAY = 24 * 60 * 60 * 1000;
const REVIEW = { remindAfterBusinessDays: 1, overdueAfterBusinessDays: 5 };

const h = useWorkflowHarness({ name: 'refund', poolSize: 30, sharedWorker: true });
const { taskQueue } = h;
let acts: Activities;
const started: WorkflowHandle<RefundWorkflow>[] = [];

beforeAll(() => {
  acts = createActivities({ db: h.db.prisma });
});
afterEach(async () => {
  // Workflows left waiting for a decision would keep firing timers into later tests.
  await Promise.all(started.splice(0).map((handle) => handle.terminate('test over').catch(() => undefined)));
});

/** A consumption of `amount` by an account (own-billed, or parent-billed under a funded partner). */
async function consumption(amount: number, opts: { parentBilled?: boolean } = {}) {
  const { account: partner } = await seedFundedAccount(h.db.prisma, 10_000, { name: 'Partner' });
  const { account } = opts.parentBilled
    ? await createAccount(h.db.prisma, { name: 'Child', parentId: partner.id, billingMode: 'parent' })
    : { account: partner };
  const c = await acts.debitConsumption({ consumptionId: randomUUID(), accountId: account.id, amount });
  return { ...c, partnerId: partner.id };
}

function refundInput(consumptionId: string, amount: number, reason: RefundReason, calendar: BusinessCalendar = defaultCalendar()): RefundInput {
  return { refundId: randomUUID(), consumptionId, amount, reason, memo: null, calendar, review: REVIEW };
}

async function startRefund(input: RefundInput): Promise<{ handle: WorkflowHandle<RefundWorkflow>; first: RefundOutcome }> {
  const handle = await h.env.client.workflow.start<RefundWorkflow>(refundWorkflowType, {
    workflowId: refundWorkflowId(input.refundId),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [input],
  });
  started.push(handle);
  return { handle, first: await handle.executeUpdate(refundOutcomeUpdate) };
}

function recorded(o: RefundOutcome): RefundRecord {
  if (o.outcome !== 'recorded') throw new Error(`expected a recorded refund, got ${JSON.stringify(o)}`);
  return o.refund;
}

async function eventually<T>(read: () => Promise<T | null | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Skips the test server's clock to `ms` past the given instant (negative = before it). */
async function skipTo(at: Date, offsetMs: number) {
  const now = await h.env.currentTimeMs();
  const target = at.getTime() + offsetMs;
  if (target > now) await h.env.sleep(target - now);
}

const refundRow = (id: string) => h.db.prisma.refund.findUniqueOrThrow({ where: { id } });
const consumptionRow = (id: string) => h.db.prisma.consumption.findUniqueOrThrow({ where: { id } });
const events = (subjectId: string) => h.db.prisma.adminEvent.findMany({ where: { subjectId }, orderBy: { id: 'asc' } });

function failureType(err: unknown): string | undefined {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

describe('automatic refunds', () => {
  it('send_failed is credited at once: one refund entry to the funding wallet on behalf of the consumption account', async () => {
    const c = await consumption(100, { parentBilled: true });
    expect(c.fundingAccountId).toBe(c.partnerId);
    const input = refundInput(c.id, 40, 'send_failed');
    const { handle, first } = await startRefund(input);
    const refund = recorded(first);
    expect(refund).toMatchObject({
      id: input.refundId,
      status: 'succeeded',
      amount: 40,
      accountId: c.accountId,
      fundingAccountId: c.partnerId,
      reviewDueAt: null,
    });
    expect(await handle.result()).toEqual({ outcome: 'recorded', refund });

    const entries = await h.db.prisma.ledgerEntry.findMany({ where: { refundId: input.refundId } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      kind: 'refund',
      amount: 40n,
      walletId: c.partnerId,
      accountId: c.accountId,
      consumptionId: c.id,
      businessKey: refundCreditKey(input.refundId),
    });
    expect(entries[0]!.balanceAfter).toBe(BigInt(10_000 - 100 + 40));
    expect(await consumptionRow(c.id)).toMatchObject({ refundedAmount: 40n, reservedAmount: 40n });
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('a refund beyond what is left of the consumption is refused and records nothing', async () => {
    const c = await consumption(100);
    recorded((await startRefund(refundInput(c.id, 70, 'duplicate_order'))).first);
    const input = refundInput(c.id, 31, 'unreachable_number');
    const { handle, first } = await startRefund(input);
    expect(first).toMatchObject({
      outcome: 'refused',
      code: 'refund_exceeds_consumption',
      details: { consumptionAmount: 100, refundableAmount: 30, requested: 31 },
    });
    expect(await handle.result()).toEqual(first);
    expect(await h.db.prisma.refund.findUnique({ where: { id: input.refundId } })).toBeNull();
    expect(await consumptionRow(c.id)).toMatchObject({ refundedAmount: 70n, reservedAmount: 70n });
  });

  it('a decision on an automatic refund is invalid_state (or finds the workflow ended)', async () => {
    const c = await consumption(100);
    const { handle } = await startRefund(refundInput(c.id, 10, 'send_failed'));
    const err = await handle.executeUpdate(approveRefundUpdate, { args: [{}] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    if (err instanceof WorkflowUpdateFailedError) expect(failureType(err)).toBe('invalid_state');
    expect(await h.db.prisma.ledgerEntry.count({ where: { consumptionId: c.id, kind: 'refund' } })).toBe(1);
  });
});

describe('refunds awaiting review follow the business calendar', () => {
  it('reminds after 1 business day and flags overdue after 5 (from workflow start), then keeps waiting for the decision', async () => {
    const calendar = defaultCalendar();
    const c = await consumption(100);
    const input = refundInput(c.id, 60, 'wrong_service', calendar);
    const { handle, first } = await startRefund(input);
    const { startTime } = await handle.describe();
    const expected = reviewSchedule(calendar, startTime, REVIEW);
    // Five business days always span a weekend.
    expect(expected.overdueAt.getTime() - startTime.getTime()).toBeGreaterThan(6 * DAY);

    const pending = recorded(first);
    expect(pending).toMatchObject({ status: 'pending_review', reviewDueAt: expected.overdueAt.toISOString(), remindedAt: null, overdueAt: null });
    expect(await handle.query(refundStateQuery)).toMatchObject({
      phase: 'pending_review',
      remindAt: expected.remindAt.toISOString(),
      overdueAt: expected.overdueAt.toISOString(),
      reminded: false,
      overdue: false,
    });
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 60n, refundedAmount: 0n });

    await skipTo(expected.remindAt, -60_000);
    expect((await refundRow(input.refundId)).remindedAt).toBeNull();
    expect(await events(input.refundId)).toEqual([]);

    await skipTo(expected.remindAt, 60_000);
    const remindedAt = await eventually(async () => (await refundRow(input.refundId)).remindedAt);
    expect(remindedAt.toISOString()).toBe(expected.remindAt.toISOString());
    await eventually(async () => ((await events(input.refundId)).length === 1 ? true : null));
    expect(await events(input.refundId)).toMatchObject([{ type: 'refund_review_reminder', accountId: c.accountId, data: { consumptionId: c.id, amount: 60 } }]);
    expect((await refundRow(input.refundId)).overdueAt).toBeNull();

    await skipTo(expected.overdueAt, -60_000);
    expect((await refundRow(input.refundId)).overdueAt).toBeNull();
    await skipTo(expected.overdueAt, 60_000);
    const overdueAt = await eventually(async () => (await refundRow(input.refundId)).overdueAt);
    expect(overdueAt.toISOString()).toBe(expected.overdueAt.toISOString());
    await eventually(async () => ((await events(input.refundId)).length === 2 ? true : null));
    expect((await events(input.refundId)).map((e) => e.type)).toEqual(['refund_review_reminder', 'refund_review_overdue']);

    // Still waiting, days later.
    await h.env.sleep(3 * DAY);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await handle.query(refundStateQuery)).toMatchObject({ phase: 'pending_review', reminded: true, overdue: true });
    expect(await events(input.refundId)).toHaveLength(2);

    const approved = await handle.executeUpdate(approveRefundUpdate, { args: [{ memo: 'late but fine' }] });
    expect(approved).toMatchObject({
      status: 'succeeded',
      decisionReason: 'late but fine',
      remindedAt: expected.remindAt.toISOString(),
      overdueAt: expected.overdueAt.toISOString(),
    });
    expect(await handle.result()).toEqual({ outcome: 'recorded', refund: approved });
    expect(await h.db.prisma.ledgerEntry.count({ where: { refundId: input.refundId, kind: 'refund', amount: 60n } })).toBe(1);
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 60n, refundedAmount: 60n });

    // The history replays deterministically on the current workflow code.
    await Worker.runReplayHistory({ workflowsPath }, await handle.fetchHistory());
  });

  it('a closed day between moves the reminder and the overdue flag', async () => {
    // Open around the clock every day, so the only thing that can move a deadline is the closed days.
    const allDay = { open: '00:00', close: '24:00' };
    const open: BusinessCalendar = {
      timeZone: 'Asia/Seoul',
      hours: { 1: allDay, 2: allDay, 3: allDay, 4: allDay, 5: allDay, 6: allDay, 7: allDay },
      cutoff: null,
      closedDates: [],
    };
    const seoulDate = (ms: number) => new Date(ms + 9 * 60 * 60 * 1000).toISOString().slice(0, 10);
    const now = await h.env.currentTimeMs();
    const closed: BusinessCalendar = { ...open, closedDates: [seoulDate(now + DAY), seoulDate(now + 2 * DAY)] };

    const c = await consumption(100);
    const input = refundInput(c.id, 25, 'other', closed);
    const { handle } = await startRefund(input);
    const { startTime } = await handle.describe();
    const expected = reviewSchedule(closed, startTime, REVIEW);
    const unmoved = reviewSchedule(open, startTime, REVIEW);
    expect(unmoved.remindAt.getTime()).toBe(startTime.getTime() + DAY);
    expect(expected.remindAt.getTime()).toBeGreaterThan(unmoved.remindAt.getTime() + DAY);
    expect(expected.overdueAt.getTime()).toBeGreaterThan(unmoved.overdueAt.getTime() + DAY);

    // One calendar day later there is no reminder: that day was closed.
    await skipTo(unmoved.remindAt, 60_000);
    expect((await refundRow(input.refundId)).remindedAt).toBeNull();
    await skipTo(expected.remindAt, -60_000);
    expect((await refundRow(input.refundId)).remindedAt).toBeNull();
    await skipTo(expected.remindAt, 60_000);
    expect((await eventually(async () => (await refundRow(input.refundId)).remindedAt)).toISOString()).toBe(expected.remindAt.toISOString());

    await skipTo(unmoved.overdueAt, 60_000);
    expect((await refundRow(input.refundId)).overdueAt).toBeNull();
    await skipTo(expected.overdueAt, 60_000);
    expect((await eventually(async () => (await refundRow(input.refundId)).overdueAt)).toISOString()).toBe(expected.overdueAt.toISOString());
  });
});

describe('admin decisions', () => {
  it('two racing approvals credit once and both answer the credited refund; a rejection afterwards is refused', async () => {
    const c = await consumption(100, { parentBilled: true });
    const input = refundInput(c.id, 50, 'wrong_service');
    const { handle } = await startRefund(input);
    const [a, b] = await Promise.all([handle.executeUpdate(approveRefundUpdate, { args: [{}] }), handle.executeUpdate(approveRefundUpdate, { args: [{}] })]);
    expect(a).toMatchObject({ status: 'succeeded' });
    expect(b).toEqual(a);
    const err = await handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: 'changed my mind' }] }).catch((e: unknown) => e);
    // invalid_state from the validator while the workflow runs; once it has ended, the workflow is gone.
    expect(err).toBeInstanceOf(Error);
    if (err instanceof WorkflowUpdateFailedError) expect(failureType(err)).toBe('invalid_state');
    expect(await h.db.prisma.ledgerEntry.count({ where: { refundId: input.refundId } })).toBe(1);
    expect((await refundRow(input.refundId)).status).toBe('succeeded');
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 50n, refundedAmount: 50n });
  });

  it('a contrary decision while the first is being applied is invalid_state; a rejection needs a reason', async () => {
    const c = await consumption(100);
    const { handle } = await startRefund(refundInput(c.id, 10, 'other'));
    const empty = await handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: ' ' }] }).catch((e: unknown) => e);
    expect(failureType(empty)).toBe('validation_error');
    const results = await Promise.allSettled([
      handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: 'not ours' }] }),
      handle.executeUpdate(approveRefundUpdate, { args: [{}] }),
    ]);
    // Exactly one decision wins; the loser is refused (or finds the workflow already ended).
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    if (loser.reason instanceof WorkflowUpdateFailedError) expect(failureType(loser.reason)).toBe('invalid_state');
  });

  it('a rejection releases the reservation, so the amount can be refunded again', async () => {
    const c = await consumption(100);
    const review = refundInput(c.id, 100, 'other');
    const { handle } = await startRefund(review);
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 100n });
    const blocked = await startRefund(refundInput(c.id, 1, 'send_failed'));
    expect(blocked.first).toMatchObject({ outcome: 'refused', code: 'refund_exceeds_consumption' });

    const rejected = await handle.executeUpdate(rejectRefundUpdate, { args: [{ reason: 'the messages were delivered' }] });
    expect(rejected).toMatchObject({ status: 'rejected', decisionReason: 'the messages were delivered', completedAt: expect.any(String) });
    expect(await handle.result()).toEqual({ outcome: 'recorded', refund: rejected });
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 0n, refundedAmount: 0n });
    expect(await h.db.prisma.ledgerEntry.count({ where: { refundId: review.refundId } })).toBe(0);

    const again = recorded((await startRefund(refundInput(c.id, 100, 'send_failed'))).first);
    expect(again.status).toBe('succeeded');
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 100n, refundedAmount: 100n });
  });
});

describe('races and replays', () => {
  it('10 racing refund workflows of 30 on a consumption of 100: exactly 3 recorded, never more than the consumption', async () => {
    const c = await consumption(100);
    const reasons: RefundReason[] = ['send_failed', 'wrong_service'];
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => startRefund(refundInput(c.id, 30, reasons[i % 2]!)).then((r) => r.first)));
    expect(outcomes.filter((o) => o.outcome === 'recorded')).toHaveLength(3);
    for (const o of outcomes.filter((o) => o.outcome === 'refused')) expect(o).toMatchObject({ code: 'refund_exceeds_consumption' });
    const row = await consumptionRow(c.id);
    expect(row.reservedAmount).toBe(90n);
    const credited = outcomes.filter((o) => o.outcome === 'recorded' && o.refund.status === 'succeeded').length;
    expect(row.refundedAmount).toBe(BigInt(30 * credited));
    expect(await h.db.prisma.ledgerEntry.count({ where: { consumptionId: c.id, kind: 'refund' } })).toBe(credited);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('20 racing createRefund activities of 7 on 100: exactly 14 reserve, the sum never exceeds the consumption', async () => {
    const c = await consumption(100);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => acts.createRefund({ refundId: randomUUID(), consumptionId: c.id, amount: 7, reason: 'send_failed' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(14);
    for (const r of results.filter((r) => r.status === 'rejected')) expect(failureType((r as PromiseRejectedResult).reason)).toBe('refund_exceeds_consumption');
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 98n, refundedAmount: 98n });
    expect(await h.db.prisma.ledgerEntry.count({ where: { consumptionId: c.id, kind: 'refund' } })).toBe(14);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });

  it('replayed activities (sequential and concurrent) create, credit and reject once', async () => {
    const c = await consumption(100);
    const auto = { refundId: randomUUID(), consumptionId: c.id, amount: 20, reason: 'send_failed' as const };
    const first = await acts.createRefund(auto);
    const replays = await Promise.all([acts.createRefund(auto), acts.createRefund(auto), acts.createRefund(auto)]);
    for (const r of replays) expect(r).toEqual(first);
    expect(await h.db.prisma.ledgerEntry.count({ where: { refundId: auto.refundId } })).toBe(1);

    const review = { refundId: randomUUID(), consumptionId: c.id, amount: 30, reason: 'other' as const };
    await Promise.all([acts.createRefund(review), acts.createRefund(review)]);
    const credits = await Promise.all([acts.creditRefund({ refundId: review.refundId }), acts.creditRefund({ refundId: review.refundId })]);
    expect(credits[1]).toEqual(credits[0]);
    expect(await acts.creditRefund({ refundId: review.refundId })).toEqual(credits[0]);
    expect(await h.db.prisma.ledgerEntry.count({ where: { refundId: review.refundId } })).toBe(1);
    expect(failureType(await acts.rejectRefund({ refundId: review.refundId, reason: 'x' }).catch((e: unknown) => e))).toBe('invalid_state');

    const rejected = { refundId: randomUUID(), consumptionId: c.id, amount: 50, reason: 'wrong_service' as const };
    await acts.createRefund(rejected);
    const rj = await Promise.all([
      acts.rejectRefund({ refundId: rejected.refundId, reason: 'no' }),
      acts.rejectRefund({ refundId: rejected.refundId, reason: 'no' }),
    ]);
    expect(rj[1]).toEqual(rj[0]);
    expect(failureType(await acts.creditRefund({ refundId: rejected.refundId }).catch((e: unknown) => e))).toBe('invalid_state');

    const at = new Date('2026-12-01T01:00:00.000Z').toISOString();
    await acts.markRefundReview({ refundId: rejected.refundId, milestone: 'reminded', at });
    await acts.markRefundReview({ refundId: rejected.refundId, milestone: 'reminded', at: new Date().toISOString() });
    expect((await refundRow(rejected.refundId)).remindedAt?.toISOString()).toBe(at);
    const event = { type: 'refund_review_reminder', subjectId: rejected.refundId, key: `${refundWorkflowId(rejected.refundId)}/remind` };
    await Promise.all([acts.raiseAdminEvent(event), acts.raiseAdminEvent(event)]);
    expect(await events(rejected.refundId)).toHaveLength(1);

    // 20 credited + 30 credited; the rejected 50 released.
    expect(await consumptionRow(c.id)).toMatchObject({ reservedAmount: 50n, refundedAmount: 50n });
    expect((await h.db.prisma.wallet.findUniqueOrThrow({ where: { accountId: c.fundingAccountId } })).balance).toBe(BigInt(10_000 - 100 + 50));
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  });
});
