// Auto-recharge of one funding account (SPEC §2). One workflow id per account (`auto-recharge:<id>`),
// started or signalled by a consumption whose debit left the balance below the threshold, so at most one
// recharge is in flight per account.
//
// A run: read the settings with the balance; stop when switched off, not below the threshold, or when the
// month's auto-recharged points plus this amount would exceed the monthly limit; otherwise run ONE card
// charge (the charge workflow as a child, origin auto_recharge, on the stored card) and wait for its
// outcome. The outcome is counted (a success resets the failures; the third failure in a row switches
// auto-recharge off and raises an admin event). After a success the balance is checked again (heavy use
// may need another charge, at most AUTO_RECHARGE_MAX_CHARGES_PER_RUN per run); after a failure the run
// ends, and the next debit asks again. Requests that arrive meanwhile are absorbed: they never start a
// second charge, and a charge of an earlier run whose outcome is not known yet (SPEC §6.1) is waited for
// before any new one. A run is asked for by whoever wins the account's claim (db/auto-recharge.ts), so a
// busy account below its threshold sends one request per run, not one per debit; the run ends its claim
// when it stops (keeping it and going on if the balance went below the threshold meanwhile), pauses
// requests until next month at the monthly limit, and continues as new if its history grows large.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { AdminEventActivities, AutoRechargeActivities } from '../../activities/types.ts';
import { autoRechargeWorkflowId, chargeWorkflowId, stepKey } from '../ids.ts';
import { durableActivity } from '../activity-options.ts';
import { chargeWorkflowType, type ChargeWorkflow } from '../charge/definitions.ts';
import {
  AUTO_RECHARGE_DISABLED,
  AUTO_RECHARGE_MAX_CHARGES_PER_RUN,
  AUTO_RECHARGE_MAX_CHECKS_PER_RUN,
  AUTO_RECHARGE_MAX_HISTORY,
  autoRechargeRequestedSignal,
  autoRechargeStateQuery,
  type AutoRechargeInput,
  type AutoRechargeState,
  type AutoRechargeStop,
} from './definitions.ts';

/** How often a run looks again at an earlier run's charge whose outcome is not known yet. */
const UNRESOLVED_RECHECK = '1 minute';

const settings = proxyActivities<AutoRechargeActivities>(durableActivity);
const admin = proxyActivities<AdminEventActivities>(durableActivity);

export async function autoRechargeWorkflow(input: AutoRechargeInput): Promise<AutoRechargeState> {
  const workflowId = autoRechargeWorkflowId(input.accountId);
  const state: AutoRechargeState = { accountId: input.accountId, requests: 0, inFlight: null, charges: [], stoppedBy: null };
  setHandler(autoRechargeRequestedSignal, () => {
    state.requests++;
  });
  setHandler(autoRechargeStateQuery, () => state);
  const now = () => new Date(Date.now()).toISOString();
  const release = (stop: AutoRechargeStop, checks: number) =>
    settings.releaseAutoRecharge({
      accountId: input.accountId,
      at: now(),
      timeZone: input.calendar.timeZone,
      pauseForMonth: stop === 'monthly_limit',
      continueIfDue: stop === 'balance_above_threshold' && checks < AUTO_RECHARGE_MAX_CHECKS_PER_RUN,
    });

  for (let checks = 1; state.stoppedBy === null; checks++) {
    if (workflowInfo().historyLength > AUTO_RECHARGE_MAX_HISTORY || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof autoRechargeWorkflow>(input);
    }
    const s = await settings.loadAutoRecharge({ accountId: input.accountId, at: now(), timeZone: input.calendar.timeZone });
    let stop: AutoRechargeStop | null = null;
    if (!s) stop = 'not_configured';
    else if (!s.enabled) stop = 'disabled';
    else if (s.unresolvedChargeId) {
      // A charge of an earlier run is still pending (its outcome not known yet): never a second charge.
      await sleep(UNRESOLVED_RECHECK);
      continue;
    } else if (s.balance >= s.threshold) stop = 'balance_above_threshold';
    else if (state.charges.length >= AUTO_RECHARGE_MAX_CHARGES_PER_RUN) stop = 'run_limit';
    else if (s.monthlyLimit !== null && s.chargedThisMonth + s.amount > s.monthlyLimit) stop = 'monthly_limit';
    if (stop) {
      if (!(await release(stop, checks))) state.stoppedBy = stop;
      continue;
    }

    const chargeId = uuid4();
    state.inFlight = chargeId;
    // Waits for the charge's definite outcome, however long an unknown card outcome takes to settle.
    const charge = await executeChild<ChargeWorkflow>(chargeWorkflowType, {
      workflowId: chargeWorkflowId(chargeId),
      // The charge finishes on its own (it may hold a captured card payment) whatever happens here.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          chargeId,
          accountId: input.accountId,
          amount: s!.amount,
          method: 'card',
          origin: 'auto_recharge',
          paymentMethodId: s!.paymentMethodId,
          calendar: input.calendar,
          schedule: input.schedule,
          bankAccount: input.bankAccount,
        },
      ],
    });
    state.inFlight = null;
    state.charges.push({ chargeId, status: charge.status, failureCode: charge.failureCode });
    const succeeded = charge.status === 'succeeded';
    const outcome = await settings.recordAutoRechargeOutcome({
      accountId: input.accountId,
      chargeId,
      succeeded,
      failureCode: charge.failureCode,
      failureReason: charge.failureReason,
      at: now(),
    });
    if (outcome.disabledByThisCharge) {
      await admin.raiseAdminEvent({
        type: AUTO_RECHARGE_DISABLED,
        subjectId: input.accountId,
        accountId: input.accountId,
        data: { chargeId, consecutiveFailures: outcome.consecutiveFailures, failureCode: charge.failureCode, failureReason: charge.failureReason },
        key: stepKey(workflowId, `disabled:${chargeId}`),
      });
    }
    if (!succeeded) {
      await release('charge_failed', checks);
      state.stoppedBy = 'charge_failed';
    }
  }
  await condition(allHandlersFinished);
  return state;
}
