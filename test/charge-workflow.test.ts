// The charge workflow end to end on the time-skipping Temporal server, with the real activities, the
// simulated gateway and real PostgreSQL: the business calendar from workflow time (Friday 17:00 KST is
// picked up Monday 09:30), the missed-target reminder, holidays, expiry, the card gateway (success,
// decline, transient failures, lost answers), racing decisions and a worker restart mid-wait.
//
// Time: every test moves the test server's clock (h.env.sleep) to a chosen instant before starting its
// workflow; the workflow reads it as workflowInfo().startTime. Instants are computed here by hand in
// KST (UTC+9, no DST), not with domain/calendar.ts, so the test checks the calendar rather than repeat it.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { createAccount } from '../db/accounts.ts';
import { checkLedgerIntegrity } from '../db/ledger.ts';
import { chargeSnapshot } from '../activities/charges.ts';
import { GatewayUnavailableError, SimulatedGateway, type CaptureRequest, type PaymentGateway, type VirtualAccountRequest } from '../activities/gateway.ts';
import { defaultCalendar, type BusinessCalendar } from '../domain/calendar.ts';
import { chargeWorkflowId } from '../workflows/ids.ts';
import {
  awaitAcceptedUpdate,
  awaitAcceptedWithinUpdate,
  cancelChargeUpdate,
  CHARGE_CONFIRMATION_OVERDUE,
  chargeStateQuery,
  chargeWorkflowType,
  confirmDepositUpdate,
  rejectChargeUpdate,
  type ChargeInput,
  type ChargeWorkflow,
} from '../workflows/charge/definitions.ts';
import { until } from './support/wait.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KST = 9 * HOUR;

/** Local (KST) calendar day number of an instant. */
const kstDay = (ms: number) => Math.floor((ms + KST) / DAY);
/** The instant of hh:mm KST on local day `day`. */
const at = (day: number, hh: number, mm = 0) => day * DAY + hh * HOUR + mm * MINUTE - KST;
const isoDate = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const isoWeekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;
const iso = (ms: number) => new Date(ms).toISOString();

const h = useWorkflowHarness({ name: 'charge', workflowsPath: fileURLToPath(new URL('../workflows/charge/workflow.ts', import.meta.url)) });
const started: WorkflowHandle[] = [];

// A test leaves no workflow running: a later test's clock jumps would fire its timers with no worker.
afterEach(async () => {
  for (const handle of started.splice(0)) await handle.terminate('test finished').catch(() => undefined);
});

/** Moves the test server's clock forward to `instant` (never backwards). */
async function goto(instant: number) {
  const now = await h.env.currentTimeMs();
  if (instant < now) throw new Error(`cannot go back to ${iso(instant)} from ${iso(now)}`);
  await h.env.sleep(instant - now);
}

/** The next Friday after the server's clock whose following two weeks have no public holiday. */
async function quietFriday(cal: BusinessCalendar = defaultCalendar()): Promise<number> {
  const closed = new Set(cal.closedDates);
  for (let day = kstDay(await h.env.currentTimeMs()) + 1; ; day++) {
    if (isoWeekday(day) !== 5) continue;
    if (Array.from({ length: 15 }, (_, i) => isoDate(day + i)).some((d) => closed.has(d))) continue;
    return day;
  }
}

/** Runs `fn` with a fresh worker on a fresh task queue (real activities, the given gateway). */
function withWorker<T>(fn: (taskQueue: string) => Promise<T>, gateway?: PaymentGateway): Promise<T> {
  return h.withWorker(fn, { deps: { gateway } });
}

async function newAccount(opts: { billingMode?: 'own' | 'parent'; parentId?: string } = {}) {
  return (await createAccount(h.db.prisma, { name: 'Shop', ...opts })).account;
}

function input(accountId: string, over: Partial<ChargeInput> = {}): ChargeInput {
  return {
    chargeId: randomUUID(),
    accountId,
    amount: 100_000,
    method: 'bank_transfer',
    origin: 'api',
    depositorName: '홍길동',
    paymentMethodId: null,
    calendar: defaultCalendar(),
    schedule: { confirmWithinBusinessHours: 1, expireAfterBusinessDays: 5 },
    bankAccount: { bank: 'Demo Bank', accountNumber: '000-000000-00-000', holder: 'Operator' },
    ...over,
  };
}

async function start(taskQueue: string, charge: ChargeInput) {
  const handle = await h.env.client.workflow.start<ChargeWorkflow>(chargeWorkflowType, {
    taskQueue,
    workflowId: chargeWorkflowId(charge.chargeId),
    args: [charge],
  });
  started.push(handle);
  return handle;
}

/**
 * Waits for the workflow to close and returns its charge from the read model. (Not handle.result(): on
 * the time-skipping server that unlocks the clock for every workflow, not just this one.)
 */
async function settle(handle: WorkflowHandle) {
  await until(async () => (await handle.describe()).status.name !== 'RUNNING', `workflow ${handle.workflowId} to close`);
  const id = handle.workflowId.slice('charge:'.length);
  return chargeSnapshot(await h.db.prisma.charge.findUniqueOrThrow({ where: { id } }));
}

/** A timeline instant recorded when a timer fired: at the deadline, give or take workflow-task latency. */
function expectNear(actual: string | undefined, expected: number) {
  const t = Date.parse(actual ?? '');
  expect(t).toBeGreaterThanOrEqual(expected);
  expect(t - expected).toBeLessThan(MINUTE);
}

const ledgerOf = (accountId: string) => h.db.prisma.ledgerEntry.findMany({ where: { walletId: accountId }, orderBy: { id: 'asc' } });
const balanceOf = async (accountId: string) => Number((await h.db.prisma.wallet.findUniqueOrThrow({ where: { accountId } })).balance);
const timeline = async (chargeId: string) =>
  (await h.db.prisma.chargeEvent.findMany({ where: { chargeId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] })).map((e) => ({
    type: e.type,
    at: e.at.toISOString(),
    data: e.data as Record<string, unknown>,
  }));
const overdueEvents = (chargeId: string) => h.db.prisma.adminEvent.findMany({ where: { type: CHARGE_CONFIRMATION_OVERDUE, subjectId: chargeId } });

function failureType(err: unknown): string | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return err.cause.type ?? undefined;
  return undefined;
}

/** A gateway that counts capture calls and can lose the answer of the first one (a crash after capture). */
class CountingGateway implements PaymentGateway {
  captures: CaptureRequest[] = [];
  lookups: string[] = [];
  constructor(
    private readonly inner: PaymentGateway,
    private loseFirstAnswer = false,
  ) {}
  tokenize(token: string) {
    return this.inner.tokenize(token);
  }
  async capture(req: CaptureRequest) {
    this.captures.push(req);
    const result = await this.inner.capture(req);
    if (this.loseFirstAnswer) {
      this.loseFirstAnswer = false;
      throw new Error('worker crashed after the gateway captured (simulated)');
    }
    return result;
  }
  lookupCapture(key: string) {
    this.lookups.push(key);
    return this.inner.lookupCapture(key);
  }
  issueVirtualAccount(req: VirtualAccountRequest) {
    return this.inner.issueVirtualAccount(req);
  }
  closeVirtualAccount(key: string) {
    return this.inner.closeVirtualAccount(key);
  }
}

/**
 * A gateway in trouble for longer than every capture retry: each capture either reaches the gateway and
 * loses its answer (`captures: true`) or never reaches it; the first `lookupFailures` lookups find it
 * unreachable too, then lookups answer truthfully.
 */
class SilentGateway implements PaymentGateway {
  captures: CaptureRequest[] = [];
  lookups: string[] = [];
  constructor(
    private readonly inner: SimulatedGateway,
    private readonly opts: { captures: boolean; lookupFailures: number },
  ) {}
  tokenize(token: string) {
    return this.inner.tokenize(token);
  }
  async capture(req: CaptureRequest): Promise<never> {
    this.captures.push(req);
    if (this.opts.captures) await this.inner.capture(req);
    throw new GatewayUnavailableError('read ETIMEDOUT (simulated: no answer)');
  }
  async lookupCapture(key: string) {
    this.lookups.push(key);
    if (this.lookups.length <= this.opts.lookupFailures) throw new GatewayUnavailableError('connect ECONNREFUSED (simulated)');
    return this.inner.lookupCapture(key);
  }
  issueVirtualAccount(req: VirtualAccountRequest) {
    return this.inner.issueVirtualAccount(req);
  }
  closeVirtualAccount(key: string) {
    return this.inner.closeVirtualAccount(key);
  }
}

describe('bank transfer on the business calendar', () => {
  it('a request on Friday 17:00 KST is picked up Monday 09:30, reminded at 10:30 when unconfirmed, and credits the deposited amount once', async () => {
    const account = await newAccount();
    const fri = await quietFriday();
    await goto(at(fri, 17, 0));
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { amount: 300_000 });
      const handle = await start(taskQueue, charge);
      const accepted = await handle.executeUpdate(awaitAcceptedUpdate);
      expect(accepted).toMatchObject({
        status: 'awaiting_deposit',
        processingStartsAt: iso(at(fri + 3, 9, 30)),
        expectedBy: iso(at(fri + 3, 10, 30)),
        expiresAt: iso(at(fri + 10, 9, 30)),
      });
      const row = await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } });
      expect(row.status).toBe('awaiting_deposit');
      expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(at(fri, 17, 0));
      expect(row.createdAt.getTime()).toBeLessThan(at(fri, 17, 1));
      expect(row.bankAccount).toEqual(charge.bankAccount);

      // Monday 10:00: within the target, no reminder.
      await goto(at(fri + 3, 10, 0));
      await new Promise((r) => setTimeout(r, 300));
      expect(await overdueEvents(charge.chargeId)).toHaveLength(0);

      // Monday 10:31: the target passed; the admins were reminded once, at 10:30.
      await goto(at(fri + 3, 10, 31));
      const [reminder] = await until(async () => {
        const events = await overdueEvents(charge.chargeId);
        return events.length > 0 && events;
      }, 'the overdue reminder');
      expect(reminder).toMatchObject({ accountId: account.id, data: expect.objectContaining({ expectedBy: iso(at(fri + 3, 10, 30)) }) });
      const overdue = await until(async () => (await timeline(charge.chargeId)).find((e) => e.type === 'confirmation_overdue'), 'the timeline entry');
      expectNear(overdue.at, at(fri + 3, 10, 30));
      expect((await handle.query(chargeStateQuery)).status).toBe('awaiting_deposit');

      // 1,000 points short: credit what was deposited, record the difference.
      const confirmed = await handle.executeUpdate(confirmDepositUpdate, {
        args: [{ depositedAmount: 299_000, depositorName: '홍길동', memo: 'short by 1,000' }],
      });
      expect(confirmed).toMatchObject({ status: 'succeeded', amount: 300_000, depositedAmount: 299_000, creditedAmount: 299_000 });
      expect((await settle(handle)).status).toBe('succeeded');

      const entries = await ledgerOf(account.id);
      expect(entries.map((e) => [e.kind, Number(e.amount), e.chargeId, e.businessKey])).toEqual([
        ['charge', 299_000, charge.chargeId, `charge:${charge.chargeId}/credit`],
      ]);
      expect(await balanceOf(account.id)).toBe(299_000);
      const events = await timeline(charge.chargeId);
      expect(events.map((e) => e.type)).toEqual(['requested', 'awaiting_deposit', 'confirmation_overdue', 'deposit_confirmed', 'succeeded']);
      expect(events.find((e) => e.type === 'deposit_confirmed')?.data).toMatchObject({
        requestedAmount: 300_000,
        depositedAmount: 299_000,
        difference: -1_000,
        memo: 'short by 1,000',
      });
      expect(await overdueEvents(charge.chargeId)).toHaveLength(1);
      expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
    });
  });

  it('a request inside opening hours before 16:00 is picked up at once and due an hour later', async () => {
    const account = await newAccount();
    const fri = await quietFriday();
    await goto(at(fri + 4, 11, 15)); // Tuesday 11:15
    await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input(account.id));
      const accepted = await handle.executeUpdate(awaitAcceptedUpdate);
      expect(Date.parse(accepted.processingStartsAt!)).toBeGreaterThanOrEqual(at(fri + 4, 11, 15));
      expect(Date.parse(accepted.processingStartsAt!)).toBeLessThan(at(fri + 4, 11, 16));
      expect(Date.parse(accepted.expectedBy!) - Date.parse(accepted.processingStartsAt!)).toBe(HOUR);
      expect(Date.parse(accepted.expiresAt!) - Date.parse(accepted.processingStartsAt!)).toBe(7 * DAY); // next Tuesday
      await handle.executeUpdate(cancelChargeUpdate, { args: [{ reason: 'changed my mind' }] });
      expect((await settle(handle)).status).toBe('cancelled');
    });
  });

  it('holidays move the pickup and the expiry; an unconfirmed charge expires after 5 business days without a credit', async () => {
    const account = await newAccount();
    const fri = await quietFriday();
    // The Monday after the request and the Thursday after that are closed (e.g. public holidays).
    const calendar = defaultCalendar({ extraClosedDates: [isoDate(fri + 3), isoDate(fri + 6)] });
    await goto(at(fri, 17, 0));
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { calendar });
      const handle = await start(taskQueue, charge);
      const accepted = await handle.executeUpdate(awaitAcceptedUpdate);
      // Picked up Tuesday; business days after it: Wed, (Thu closed), Fri, Mon, Tue, Wed.
      expect(accepted).toMatchObject({
        processingStartsAt: iso(at(fri + 4, 9, 30)),
        expectedBy: iso(at(fri + 4, 10, 30)),
        expiresAt: iso(at(fri + 12, 9, 30)),
      });

      await goto(at(fri + 12, 9, 29));
      await new Promise((r) => setTimeout(r, 300));
      expect((await handle.query(chargeStateQuery)).status).toBe('awaiting_deposit');
      expect(await overdueEvents(charge.chargeId)).toHaveLength(1); // Tuesday 10:30 passed long ago

      await goto(at(fri + 12, 9, 31));
      const result = await settle(handle);
      expect(result.status).toBe('expired');
      const row = await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } });
      expect(row.status).toBe('expired');
      expectNear(row.completedAt?.toISOString(), at(fri + 12, 9, 30));
      expect((await timeline(charge.chargeId)).map((e) => e.type)).toEqual(['requested', 'awaiting_deposit', 'confirmation_overdue', 'expired']);
      expect(await ledgerOf(account.id)).toHaveLength(0);
    });
  });

  it('rejection and cancellation end the charge with their reason and no credit', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const rejected = await start(taskQueue, input(account.id));
      await rejected.executeUpdate(awaitAcceptedUpdate);
      const r = await rejected.executeUpdate(rejectChargeUpdate, { args: [{ reason: 'no such deposit' }] });
      expect(r).toMatchObject({ status: 'rejected', failureReason: 'no such deposit' });

      const cancelled = await start(taskQueue, input(account.id));
      await cancelled.executeUpdate(awaitAcceptedUpdate);
      expect((await cancelled.executeUpdate(cancelChargeUpdate, { args: [{}] })).status).toBe('cancelled');
      expect((await settle(rejected)).status).toBe('rejected');
      expect((await settle(cancelled)).status).toBe('cancelled');
      expect(await ledgerOf(account.id)).toHaveLength(0);
    });
  });

  it('validators refuse bad input with a typed failure and leave the charge waiting', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input(account.id));
      await handle.executeUpdate(awaitAcceptedUpdate);
      const bad = await handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: -5 }] }).catch((e) => e);
      expect(failureType(bad)).toBe('validation_error');
      const noReason = await handle.executeUpdate(rejectChargeUpdate, { args: [{ reason: ' ' }] }).catch((e) => e);
      expect(failureType(noReason)).toBe('validation_error');
      expect((await handle.query(chargeStateQuery)).status).toBe('awaiting_deposit');
      await handle.executeUpdate(cancelChargeUpdate, { args: [{}] });
    });
  });
});

describe('racing decisions end in exactly one outcome', () => {
  it('confirm and cancel fired together: one wins, the other is invalid_state, at most one credit', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const charge = input(account.id);
        const handle = await start(taskQueue, charge);
        await handle.executeUpdate(awaitAcceptedUpdate);
        const confirm = () => handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: 100_000 }] });
        const cancel = () => handle.executeUpdate(cancelChargeUpdate, { args: [{}] });
        const [a, b] = await Promise.allSettled(i % 2 === 0 ? [confirm(), cancel()] : [cancel(), confirm()]);
        const settled = [a!, b!];
        const won = settled.filter((s) => s.status === 'fulfilled');
        const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.map((l) => failureType(l.reason))).toEqual(['invalid_state']);
        const final = await settle(handle);
        expect(['succeeded', 'cancelled']).toContain(final.status);
        expect((won[0] as PromiseFulfilledResult<{ status: string }>).value.status).toBe(final.status);
        const credits = await h.db.prisma.ledgerEntry.count({ where: { chargeId: charge.chargeId } });
        expect(credits).toBe(final.status === 'succeeded' ? 1 : 0);
        outcomes.push(final.status);
      }
      const entries = await ledgerOf(account.id);
      expect(await balanceOf(account.id)).toBe(entries.length * 100_000);
      expect(entries.length).toBe(outcomes.filter((o) => o === 'succeeded').length);
      expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
    });
  });

  it('confirm and reject fired together: exactly one outcome', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const handle = await start(taskQueue, charge);
      await handle.executeUpdate(awaitAcceptedUpdate);
      const settled = await Promise.allSettled([
        handle.executeUpdate(rejectChargeUpdate, { args: [{ reason: 'bogus' }] }),
        handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: 100_000 }] }),
      ]);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      const final = await settle(handle);
      expect(await h.db.prisma.ledgerEntry.count({ where: { chargeId: charge.chargeId } })).toBe(final.status === 'succeeded' ? 1 : 0);
    });
  });

  it('confirming twice at once is harmless: both answer the same succeeded charge, one credit', async () => {
    const account = await newAccount();
    await withWorker(async (taskQueue) => {
      const charge = input(account.id);
      const handle = await start(taskQueue, charge);
      await handle.executeUpdate(awaitAcceptedUpdate);
      const [a, b] = await Promise.all([
        handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: 100_000 }] }),
        handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: 100_000 }] }),
      ]);
      expect(a).toEqual(b);
      expect(a.status).toBe('succeeded');
      expect(await h.db.prisma.ledgerEntry.count({ where: { chargeId: charge.chargeId } })).toBe(1);
      expect(await balanceOf(account.id)).toBe(100_000);
    });
  });
});

describe('card charges through the simulated gateway', () => {
  async function card(accountId: string, token: string) {
    const gateway = new SimulatedGateway(h.db.prisma);
    const details = await gateway.tokenize(token);
    const pm = await h.db.prisma.paymentMethod.create({ data: { id: randomUUID(), accountId, ...details } });
    return pm.id;
  }

  it('tok_visa: captured once with the charge id as idempotency key, credited once', async () => {
    const account = await newAccount();
    const gateway = new CountingGateway(new SimulatedGateway(h.db.prisma));
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_visa'), amount: 50_000 });
      const handle = await start(taskQueue, charge);
      const accepted = await handle.executeUpdate(awaitAcceptedUpdate);
      expect(accepted).toMatchObject({ status: 'succeeded', creditedAmount: 50_000, processingStartsAt: null });
      expect(gateway.captures).toEqual([{ idempotencyKey: charge.chargeId, token: 'tok_visa', amount: 50_000, description: expect.any(String) }]);
      const row = await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } });
      expect(row.gatewayReference).toMatch(/^cap_/);
      expect((await ledgerOf(account.id)).map((e) => Number(e.amount))).toEqual([50_000]);
      expect((await timeline(charge.chargeId)).map((e) => e.type)).toEqual(['requested', 'card_captured', 'succeeded']);
    }, gateway);
  });

  it('tok_declined: the charge fails with the reason, is not retried and credits nothing', async () => {
    const account = await newAccount();
    const gateway = new CountingGateway(new SimulatedGateway(h.db.prisma));
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_declined') });
      const handle = await start(taskQueue, charge);
      const accepted = await handle.executeUpdate(awaitAcceptedUpdate);
      expect(accepted).toMatchObject({ status: 'failed', failureCode: 'card_declined', failureReason: expect.stringContaining('declined') });
      expect(gateway.captures).toHaveLength(1);
      const row = await h.db.prisma.charge.findUniqueOrThrow({ where: { id: charge.chargeId } });
      expect(row).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('declined'), creditedAmount: null });
      expect((await timeline(charge.chargeId)).at(-1)).toMatchObject({
        type: 'failed',
        data: expect.objectContaining({ code: 'card_declined', declineCode: 'do_not_honor' }),
      });
      expect(await ledgerOf(account.id)).toHaveLength(0);
    }, gateway);
  });

  it('tok_flaky: two transient failures are retried by Temporal, then one capture and one credit', async () => {
    const account = await newAccount();
    const gateway = new CountingGateway(new SimulatedGateway(h.db.prisma));
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_flaky') });
      const handle = await start(taskQueue, charge);
      expect((await handle.executeUpdate(awaitAcceptedUpdate)).status).toBe('succeeded');
      expect(gateway.captures.map((c) => c.idempotencyKey)).toEqual([charge.chargeId, charge.chargeId, charge.chargeId]);
      expect(await h.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: charge.chargeId } })).toBe(1);
      expect((await timeline(charge.chargeId)).map((e) => e.type)).toEqual([
        'requested',
        'capture_attempt_failed',
        'capture_attempt_failed',
        'card_captured',
        'succeeded',
      ]);
      expect((await ledgerOf(account.id)).map((e) => Number(e.amount))).toEqual([100_000]);
    }, gateway);
  });

  it('an answer lost after the capture (crash) is retried with the same key: the card is captured once', async () => {
    const account = await newAccount();
    const gateway = new CountingGateway(new SimulatedGateway(h.db.prisma), true);
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_visa') });
      const handle = await start(taskQueue, charge);
      expect((await handle.executeUpdate(awaitAcceptedUpdate)).status).toBe('succeeded');
      expect(gateway.captures).toHaveLength(2);
      expect(await h.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: charge.chargeId } })).toBe(1);
      expect((await ledgerOf(account.id)).map((e) => Number(e.amount))).toEqual([100_000]);
    }, gateway);
  });

  it('the simulated gateway honours its idempotency key, also from a new instance (a restarted worker)', async () => {
    const key = randomUUID();
    const first = await new SimulatedGateway(h.db.prisma).capture({ idempotencyKey: key, token: 'tok_visa', amount: 70_000 });
    const again = await new SimulatedGateway(h.db.prisma).capture({ idempotencyKey: key, token: 'tok_visa', amount: 70_000 });
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ ...first, replayed: true });
    const twins = await Promise.all(
      Array.from({ length: 5 }, () => new SimulatedGateway(h.db.prisma).capture({ idempotencyKey: `${key}-twin`, token: 'tok_visa', amount: 1 })),
    );
    expect(new Set(twins.map((t) => t.reference)).size).toBe(1);
    const misuse = await new SimulatedGateway(h.db.prisma).capture({ idempotencyKey: key, token: 'tok_visa', amount: 70_001 }).catch((e) => e);
    expect(misuse.code).toBe('idempotency_key_reused');
    const unknown = await new SimulatedGateway(h.db.prisma).tokenize('tok_nope').catch((e) => e);
    expect(unknown.code).toBe('validation_error');
  });
});

// The tests that skip hours of capture retries run dozens of real activity attempts: on a machine busy
// with other work they need minutes, not the default minute.
describe('card outcomes that are not known (SPEC 6.1)', () => {
  async function card(accountId: string, token: string) {
    const details = await new SimulatedGateway(h.db.prisma).tokenize(token);
    return (await h.db.prisma.paymentMethod.create({ data: { id: randomUUID(), accountId, ...details } })).id;
  }

  it('the simulated gateway keeps its windows from the first attempt, across instances: 90 s of lost answers, 60 s of outage', async () => {
    let clock = Date.parse('2026-12-01T00:00:00Z');
    const gw = () => new SimulatedGateway(h.db.prisma, { now: () => clock });
    const lost = { idempotencyKey: randomUUID(), token: 'tok_lost_answer', amount: 60_000 };
    await expect(gw().capture(lost)).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(await gw().lookupCapture(lost.idempotencyKey)).toMatchObject({ status: 'captured', capture: { amount: 60_000 } });
    clock += 89_000;
    await expect(gw().capture(lost)).rejects.toBeInstanceOf(GatewayUnavailableError);
    clock += 1_000;
    const answered = await gw().capture(lost);
    expect(answered).toMatchObject({ amount: 60_000, replayed: true });
    expect(await h.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: lost.idempotencyKey } })).toBe(1);

    const outage = { idempotencyKey: randomUUID(), token: 'tok_outage', amount: 60_000 };
    await expect(gw().capture(outage)).rejects.toBeInstanceOf(GatewayUnavailableError);
    clock += 59_000;
    await expect(gw().capture(outage)).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(await gw().lookupCapture(outage.idempotencyKey)).toEqual({ status: 'not_found' });
    clock += 1_000;
    expect(await gw().capture(outage)).toMatchObject({ amount: 60_000, replayed: false });
    expect(await gw().lookupCapture(outage.idempotencyKey)).toMatchObject({ status: 'captured' });
  });

  it('tok_lost_answer: captured at the first attempt, answers lost for a while; ends succeeded, captured and credited once', async () => {
    const account = await newAccount();
    const gateway = new CountingGateway(new SimulatedGateway(h.db.prisma, { lostAnswerMs: 2_500 }));
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_lost_answer') });
      const handle = await start(taskQueue, charge);
      const closed = await settle(handle);
      expect(closed).toMatchObject({ status: 'succeeded', creditedAmount: 100_000 });
      expect(gateway.captures.length).toBeGreaterThan(1);
      expect(await h.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: charge.chargeId } })).toBe(1);
      expect((await ledgerOf(account.id)).map((e) => Number(e.amount))).toEqual([100_000]);
      const types = (await timeline(charge.chargeId)).map((e) => e.type);
      expect(types[0]).toBe('requested');
      expect(types).toContain('capture_attempt_failed');
      expect(types.slice(-2)).toEqual(['card_captured', 'succeeded']);
      expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
    }, gateway);
  });

  it('tok_outage: the gateway unreachable at first; the charge stays pending meanwhile, then succeeds, credited once', async () => {
    const account = await newAccount();
    const gateway = new CountingGateway(new SimulatedGateway(h.db.prisma, { outageMs: 2_500 }));
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_outage') });
      const handle = await start(taskQueue, charge);
      const early = await handle.executeUpdate(awaitAcceptedWithinUpdate, { args: [{ waitMs: 200 }] });
      expect(early).toMatchObject({ status: 'pending', creditedAmount: null });
      expect(await settle(handle)).toMatchObject({ status: 'succeeded', creditedAmount: 100_000 });
      expect(await h.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: charge.chargeId } })).toBe(1);
      expect((await ledgerOf(account.id)).map((e) => Number(e.amount))).toEqual([100_000]);
    }, gateway);
  });

  it('a gateway silent for longer than every capture retry: the charge stays pending, the lookup by key finds the capture, credited once', async () => {
    const account = await newAccount();
    const gateway = new SilentGateway(new SimulatedGateway(h.db.prisma), { captures: true, lookupFailures: 3 });
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_visa') });
      const handle = await start(taskQueue, charge);
      await until(async () => gateway.captures.length >= 2, 'two capture attempts');
      expect((await handle.query(chargeStateQuery)).status).toBe('pending');
      // Skips the hours of capture retries (time skipping is unlocked while a result is awaited).
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'succeeded', creditedAmount: 100_000 });
      expect(gateway.lookups.length).toBe(4);
      expect(gateway.lookups.every((k) => k === charge.chargeId)).toBe(true);
      expect(await h.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: charge.chargeId } })).toBe(1);
      expect((await ledgerOf(account.id)).map((e) => Number(e.amount))).toEqual([100_000]);
      const types = (await timeline(charge.chargeId)).map((e) => e.type);
      expect(types.slice(-4)).toEqual(['capture_outcome_unknown', 'capture_looked_up', 'card_captured', 'succeeded']);
      expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
    }, gateway);
  }, 240_000);

  it('a gateway never reached: after every retry the lookup finds no capture, so the charge fails as payment_failed with no credit', async () => {
    const account = await newAccount();
    const gateway = new SilentGateway(new SimulatedGateway(h.db.prisma), { captures: false, lookupFailures: 0 });
    await withWorker(async (taskQueue) => {
      const charge = input(account.id, { method: 'card', depositorName: null, paymentMethodId: await card(account.id, 'tok_visa') });
      const handle = await start(taskQueue, charge);
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'failed', failureCode: 'payment_failed', creditedAmount: null });
      expect(await h.db.prisma.simulatedCardCapture.count({ where: { idempotencyKey: charge.chargeId } })).toBe(0);
      expect(await ledgerOf(account.id)).toHaveLength(0);
    }, gateway);
  }, 240_000);
});

describe('durability', () => {
  it('a worker restart in the middle of a waiting charge: the new worker reminds once and confirms with one credit', async () => {
    const account = await newAccount();
    const fri = await quietFriday();
    await goto(at(fri, 17, 0));
    const taskQueue = h.newTaskQueue();
    const charge = input(account.id, { amount: 150_000 });

    // No workflow cache: the test server would otherwise keep routing the workflow's tasks to this worker's
    // sticky queue after it stopped. The second worker rebuilds the waiting workflow by replaying history.
    const first = await h.createWorker({ taskQueue, options: { maxCachedWorkflows: 0 } });
    const firstRun = first.run();
    const handle = await start(taskQueue, charge);
    expect((await handle.executeUpdate(awaitAcceptedUpdate)).status).toBe('awaiting_deposit');
    first.shutdown();
    await firstRun;

    const second = await h.createWorker({ taskQueue });
    await second.runUntil(async () => {
      await goto(at(fri + 3, 10, 45));
      await until(async () => (await overdueEvents(charge.chargeId)).length === 1, 'the reminder after the restart');
      const confirmed = await handle.executeUpdate(confirmDepositUpdate, { args: [{ depositedAmount: 150_000 }] });
      expect(confirmed.status).toBe('succeeded');
      expect((await settle(handle)).status).toBe('succeeded');
    });

    const entries = await ledgerOf(account.id);
    expect(entries.map((e) => [e.kind, Number(e.amount), e.chargeId])).toEqual([['charge', 150_000, charge.chargeId]]);
    expect(await balanceOf(account.id)).toBe(150_000);
    expect(await overdueEvents(charge.chargeId)).toHaveLength(1);
    expect(await checkLedgerIntegrity(h.db.prisma)).toEqual([]);
  }, 240_000);

  it('a parent-billed account is refused by the workflow too, recording nothing', async () => {
    const partner = await newAccount();
    const child = await newAccount({ billingMode: 'parent', parentId: partner.id });
    await withWorker(async (taskQueue) => {
      const charge = input(child.id);
      const handle = await start(taskQueue, charge);
      expect(await handle.executeUpdate(awaitAcceptedUpdate)).toMatchObject({ status: 'failed', failureCode: 'invalid_state' });
      expect(await h.db.prisma.charge.findUnique({ where: { id: charge.chargeId } })).toBeNull();
    });
  });
});
