// What the charge routes (and the charge-link pages, which open charges too) do besides parsing and
// answering: load a charge, check the limits, open a charge through its workflow's client
// (workflows/charge/client.ts, which also carries decisions).
import type { AppDeps } from '../../deps.ts';
import type { Outcome } from '../../idempotency.ts';
import { HttpProblem } from '../../problem.ts';
import { businessEvents } from '../../metrics.ts';
import { visibleOr404 } from '../../access.ts';
import type { Principal } from '../../principal.ts';
import { chargeView, type ChargeWithEvents } from '../../views/charge.ts';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../../config/config.ts';
import type { Charge, Prisma } from '../../../generated/prisma/client.ts';
import { ErrorCode, isErrorCode } from '../../../domain/errors.ts';
import { toPoints } from '../../../domain/money.ts';
import type { ChargeInput } from '../../../workflows/charge/definitions.ts';
import { chargeResult, startCharge } from '../../../workflows/charge/client.ts';

export const withEvents = { events: { orderBy: [{ at: 'asc' }, { id: 'asc' }] }, taxDocument: true } satisfies Prisma.ChargeInclude;

export function loadCharge(db: Db, id: string): Promise<ChargeWithEvents | null> {
  return db.charge.findUnique({ where: { id }, include: withEvents });
}

/** Loads a charge the principal may see, or answers 404 as if it did not exist. */
export async function chargeFor(db: Db, p: Principal, id: string): Promise<ChargeWithEvents> {
  return visibleOr404(db, p, await loadCharge(db, id), (c) => c.accountId, 'charge', id);
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
  const snapshot = await startCharge(
    temporal,
    { taskQueue: config.temporal.taskQueue, cardChargeWaitMs: config.cardChargeWaitMs },
    {
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
    },
  );
  const charge = await loadCharge(db, chargeId);
  if (!charge) {
    // Refused before anything was recorded (the account or card changed since the checks above).
    const refused = snapshot ?? (await chargeResult(temporal, chargeId));
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
