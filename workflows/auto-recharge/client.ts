// The auto-recharge workflow's client side: how the consumption's trigger activity and the API ask the
// funding account's one auto-recharge workflow to run (signal-with-start: started when none runs, the
// request absorbed by the run in flight otherwise). Callers first win the claim (db/auto-recharge.ts
// claimAutoRecharge), so a busy account sends one request per recharge, not one per debit.
import type { Client } from '@temporalio/client';
import { autoRechargeWorkflowId } from '../ids.ts';
import {
  autoRechargeRequestedSignal,
  autoRechargeWorkflowType,
  type AutoRechargeRequest,
  type AutoRechargeWorkflow,
  type ChargeSettings,
} from './definitions.ts';

export interface AutoRechargeTarget {
  /** The funding account. */
  accountId: string;
  taskQueue: string;
  /** Calendar, schedule and bank account the recharge's charge workflow is started with (Config satisfies it). */
  charging: ChargeSettings;
}

export async function requestAutoRecharge(temporal: Client, target: AutoRechargeTarget, request: AutoRechargeRequest): Promise<void> {
  const { calendar, schedule, bankAccount } = target.charging;
  await temporal.workflow.signalWithStart<AutoRechargeWorkflow, [AutoRechargeRequest]>(autoRechargeWorkflowType, {
    workflowId: autoRechargeWorkflowId(target.accountId),
    taskQueue: target.taskQueue,
    args: [{ accountId: target.accountId, calendar, schedule, bankAccount }],
    signal: autoRechargeRequestedSignal,
    signalArgs: [request],
  });
}
