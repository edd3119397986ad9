// Auto-recharge activities: the trigger a consumption calls after its debit (signal-with-start of the
// funding account's one auto-recharge workflow), reading the settings with the balance and the month's
// auto-recharged points, and counting a charge's outcome once (three failures in a row switch it off).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { autoRechargedThisMonth, startOfNextMonth } from '../db/auto-recharge.ts';
import { emitAutoRechargeDisabled } from '../db/events.ts';
import { loadConfig } from '../config/config.ts';
import { toPoints } from '../domain/money.ts';
import { requestAutoRecharge } from '../workflows/auto-recharge/client.ts';
import { AUTO_RECHARGE_FAILURES_TO_DISABLE, type AutoRechargeSettings, type ChargeSettings } from '../workflows/auto-recharge/definitions.ts';

export type { ChargeSettings };

export interface RequestAutoRechargeInput {
  /** The funding account. */
  accountId: string;
  consumptionId: string;
  balanceAfter: number;
}

export interface LoadAutoRechargeInput {
  accountId: string;
  /** Workflow time (ISO): the month the limit counts. */
  at: string;
  timeZone: string;
}

export interface RecordAutoRechargeOutcomeInput {
  accountId: string;
  chargeId: string;
  succeeded: boolean;
  failureCode?: string | null;
  failureReason?: string | null;
  /** Workflow time (ISO). */
  at: string;
}

export interface ReleaseAutoRechargeInput {
  accountId: string;
  /** Workflow time (ISO). */
  at: string;
  timeZone: string;
  /** The run stopped at the monthly limit: no requests until the next month. */
  pauseForMonth: boolean;
  /** Keep the claim and answer true when the balance is (again) below an enabled threshold. */
  continueIfDue: boolean;
}

export interface AutoRechargeOutcome {
  consecutiveFailures: number;
  /** This charge's failure switched auto-recharge off (raise the admin event). */
  disabledByThisCharge: boolean;
}

export function createAutoRechargeActivities(deps: { db: Db; logger?: Logger; temporal?: Client; charging?: ChargeSettings }) {
  const { db } = deps;
  let charging = deps.charging;
  return {
    /**
     * Asks the funding account's auto-recharge workflow to check its balance, starting it when none runs:
     * one workflow id per account, so there is at most one recharge in flight, and a request that
     * arrives while a charge is in flight is absorbed by it. Does not wait for the recharge.
     */
    async requestAutoRecharge(input: RequestAutoRechargeInput): Promise<void> {
      if (!deps.temporal) {
        deps.logger?.warn({ accountId: input.accountId }, 'auto-recharge requested but the worker has no Temporal client');
        return;
      }
      // Without settings from the worker's configuration, the defaults of an empty environment.
      charging ??= loadConfig({});
      await requestAutoRecharge(
        deps.temporal,
        { accountId: input.accountId, taskQueue: Context.current().info.taskQueue, charging },
        { consumptionId: input.consumptionId, balanceAfter: input.balanceAfter },
      );
    },

    /** The settings with the current balance and the month's auto-recharged points; null if none. */
    async loadAutoRecharge(input: LoadAutoRechargeInput): Promise<AutoRechargeSettings | null> {
      const [setting, wallet, unresolved] = await Promise.all([
        db.autoRecharge.findUnique({ where: { accountId: input.accountId } }),
        db.wallet.findUnique({ where: { accountId: input.accountId } }),
        db.charge.findFirst({ where: { accountId: input.accountId, origin: 'auto_recharge', status: 'pending' }, select: { id: true } }),
      ]);
      if (!setting || !wallet) return null;
      return {
        enabled: setting.enabled,
        threshold: toPoints(setting.threshold),
        amount: toPoints(setting.amount),
        paymentMethodId: setting.paymentMethodId,
        monthlyLimit: setting.monthlyLimit === null ? null : toPoints(setting.monthlyLimit),
        consecutiveFailures: setting.consecutiveFailures,
        balance: toPoints(wallet.balance),
        chargedThisMonth: await autoRechargedThisMonth(db, input.accountId, input.timeZone, new Date(input.at)),
        unresolvedChargeId: unresolved?.id ?? null,
      };
    },

    /**
     * Ends a run's claim (db/auto-recharge.ts claimAutoRecharge), so the next debit below the threshold
     * asks again — or, with `continueIfDue`, keeps it and answers true when the balance is below an
     * enabled threshold now (a debit that went below while the run was deciding found the claim held and
     * sent nothing: the run goes on for it). Locks the setting row, so a debit's claim waits for this.
     */
    async releaseAutoRecharge(input: ReleaseAutoRechargeInput): Promise<boolean> {
      return ledgerTransaction(db, async (tx) => {
        const rows = await tx.$queryRaw<{ enabled: boolean; threshold: bigint; pausedUntil: Date | null }[]>`
          SELECT "enabled", "threshold", "pausedUntil" FROM "AutoRecharge" WHERE "accountId" = ${input.accountId}::uuid FOR UPDATE`;
        const row = rows[0];
        if (!row) return false;
        const at = new Date(input.at);
        if (input.continueIfDue && row.enabled && (row.pausedUntil === null || row.pausedUntil <= at)) {
          const wallet = await tx.wallet.findUnique({ where: { accountId: input.accountId }, select: { balance: true } });
          if (wallet && wallet.balance < row.threshold) return true;
        }
        await tx.autoRecharge.update({
          where: { accountId: input.accountId },
          data: { requestedAt: null, requestedBy: null, ...(input.pauseForMonth ? { pausedUntil: startOfNextMonth(input.timeZone, at) } : {}) },
        });
        return false;
      });
    },

    /**
     * Counts a charge's outcome once (by `lastChargeId`): a success resets the failures, a failure adds
     * one, and the third in a row switches auto-recharge off with a reason.
     */
    async recordAutoRechargeOutcome(input: RecordAutoRechargeOutcomeInput): Promise<AutoRechargeOutcome> {
      return ledgerTransaction(db, async (tx) => {
        const rows = await tx.$queryRaw<{ accountId: string }[]>`
          SELECT "accountId" FROM "AutoRecharge" WHERE "accountId" = ${input.accountId}::uuid FOR UPDATE`;
        const row = rows[0] && (await tx.autoRecharge.findUniqueOrThrow({ where: { accountId: input.accountId } }));
        if (!row) return { consecutiveFailures: 0, disabledByThisCharge: false };
        const disabledBy = (r: { enabled: boolean; consecutiveFailures: number; disabledAt: Date | null }) =>
          !input.succeeded && !r.enabled && r.disabledAt !== null && r.consecutiveFailures >= AUTO_RECHARGE_FAILURES_TO_DISABLE;
        if (row.lastChargeId === input.chargeId) {
          return { consecutiveFailures: row.consecutiveFailures, disabledByThisCharge: disabledBy(row) };
        }
        if (input.succeeded) {
          const updated = await tx.autoRecharge.update({
            where: { accountId: input.accountId },
            data: { consecutiveFailures: 0, lastChargeId: input.chargeId },
          });
          return { consecutiveFailures: updated.consecutiveFailures, disabledByThisCharge: false };
        }
        const failures = row.consecutiveFailures + 1;
        const switchOff = row.enabled && failures >= AUTO_RECHARGE_FAILURES_TO_DISABLE;
        const updated = await tx.autoRecharge.update({
          where: { accountId: input.accountId },
          data: {
            consecutiveFailures: failures,
            lastChargeId: input.chargeId,
            ...(switchOff
              ? {
                  enabled: false,
                  disabledAt: new Date(input.at),
                  disabledReason: `${failures} auto-recharge charges failed in a row (last: ${input.failureCode ?? 'failed'}${input.failureReason ? `: ${input.failureReason}` : ''})`,
                }
              : {}),
          },
        });
        if (switchOff) await emitAutoRechargeDisabled(tx, input.accountId, input.chargeId);
        return { consecutiveFailures: updated.consecutiveFailures, disabledByThisCharge: switchOff };
      });
    },
  };
}
