// Auto-recharge activities: the trigger a consumption calls after its debit (signal-with-start of the
// funding account's one auto-recharge workflow), reading the settings with the balance and the month's
// auto-recharged points, and counting a charge's outcome once (three failures in a row switch it off).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { ledgerTransaction } from '../db/ledger.ts';
import { autoRechargedThisMonth } from '../db/auto-recharge.ts';
import { emitAutoRechargeDisabled } from '../db/events.ts';
import type { BusinessCalendar } from '../domain/calendar.ts';
import { loadConfig } from '../config/config.ts';
import { toPoints } from '../domain/money.ts';
import { autoRechargeWorkflowId } from '../workflows/ids.ts';
import type { BankAccountInfo, ChargeScheduleOptions } from '../workflows/charge/definitions.ts';
import {
  AUTO_RECHARGE_FAILURES_TO_DISABLE,
  autoRechargeRequestedSignal,
  autoRechargeWorkflowType,
  type AutoRechargeRequest,
  type AutoRechargeSettings,
  type AutoRechargeWorkflow,
} from '../workflows/auto-recharge/definitions.ts';

/** What an auto-recharge's card charge workflow is started with (Config satisfies it). */
export interface ChargeSettings {
  calendar: BusinessCalendar;
  schedule: ChargeScheduleOptions;
  bankAccount: BankAccountInfo;
}

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
      await deps.temporal.workflow.signalWithStart<AutoRechargeWorkflow, [AutoRechargeRequest]>(autoRechargeWorkflowType, {
        workflowId: autoRechargeWorkflowId(input.accountId),
        taskQueue: Context.current().info.taskQueue,
        args: [{ accountId: input.accountId, calendar: charging.calendar, schedule: charging.schedule, bankAccount: charging.bankAccount }],
        signal: autoRechargeRequestedSignal,
        signalArgs: [{ consumptionId: input.consumptionId, balanceAfter: input.balanceAfter }],
      });
    },

    /** The settings with the current balance and the month's auto-recharged points; null if none. */
    async loadAutoRecharge(input: LoadAutoRechargeInput): Promise<AutoRechargeSettings | null> {
      const [setting, wallet] = await Promise.all([
        db.autoRecharge.findUnique({ where: { accountId: input.accountId } }),
        db.wallet.findUnique({ where: { accountId: input.accountId } }),
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
      };
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
          const updated = await tx.autoRecharge.update({ where: { accountId: input.accountId }, data: { consecutiveFailures: 0, lastChargeId: input.chargeId } });
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
