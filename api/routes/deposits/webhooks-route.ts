// The signed webhooks of the deposits (SPEC §6.2); mounted before express.json: their bodies are verified
// on their raw bytes before any JSON parsing.
//
// - POST /webhooks/gateway: the gateway's signed deposit notification for a virtual account → the charge
//   workflow's depositNotified update (credits once; the same transaction again answers the same outcome).
// - POST /webhooks/bank: the bank deposit feed, once per bankTransactionId (as POST /v1/bank-deposits).
import express, { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { AppDeps } from '../../deps.ts';
import { parse } from '../../validation.ts';
import { HttpProblem, toHttpProblem } from '../../problem.ts';
import { bankDepositView } from '../../views/deposit.ts';
import { chargeWorkflowId } from '../../../workflows/ids.ts';
import { depositNotifiedUpdate, type ChargeWorkflow, type VirtualAccountInfo } from '../../../workflows/charge/definitions.ts';
import { createAdminEventActivities } from '../../../activities/admin-events.ts';
import { BankDepositBody, GatewayNotification } from './validators.ts';
import { BANK_SIGNATURE_HEADER, GATEWAY_SIGNATURE_HEADER, receiveBankDeposit, verifiedJson, VIRTUAL_ACCOUNT_DEPOSIT_REFUSED } from './helpers.ts';

/** The signed webhooks; mount before express.json (they read the raw body). */
export function inboundWebhooksRouter({ db, temporal, config }: AppDeps): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: '100kb' });
  const events = createAdminEventActivities({ db });

  r.post('/webhooks/gateway', raw, async (req, res) => {
    const n = parse(GatewayNotification, verifiedJson(req, GATEWAY_SIGNATURE_HEADER, config.webhookSecrets.gateway));
    const charge = await db.charge.findUnique({ where: { id: n.orderId } });
    const va = charge?.virtualAccount as unknown as VirtualAccountInfo | null | undefined;
    if (!charge || charge.method !== 'virtual_account' || va?.accountNumber !== n.accountNumber) {
      throw new HttpProblem('not_found', `no virtual account ${n.accountNumber} for order ${n.orderId}`);
    }
    await db.gatewayNotification.createMany({
      data: [
        {
          transactionId: n.transactionId,
          chargeId: charge.id,
          accountNumber: n.accountNumber,
          amount: BigInt(n.amount),
          depositorName: n.depositorName ?? null,
          depositedAt: new Date(n.depositedAt),
        },
      ],
      skipDuplicates: true,
    });
    const outcome = async (value: 'credited' | 'refused', detail: string | null) =>
      db.gatewayNotification.updateMany({ where: { transactionId: n.transactionId }, data: { outcome: value, detail } });
    try {
      await temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(charge.id)).executeUpdate(depositNotifiedUpdate, {
        args: [{ transactionId: n.transactionId, amount: n.amount, depositorName: n.depositorName ?? null, depositedAt: n.depositedAt }],
      });
    } catch (err) {
      let problem = toHttpProblem(err);
      if (!problem && err instanceof WorkflowNotFoundError) {
        // The workflow has closed: the read model says whether this very transaction was credited.
        const now = await db.charge.findUniqueOrThrow({ where: { id: charge.id } });
        if (!(now.status === 'succeeded' && now.gatewayReference === n.transactionId))
          problem = new HttpProblem('invalid_state', `charge ${charge.id} is ${now.status}`, { currentStatus: now.status });
      } else if (!problem) throw err;
      if (problem) {
        await outcome('refused', problem.detail);
        await events.raiseAdminEvent({
          type: VIRTUAL_ACCOUNT_DEPOSIT_REFUSED,
          subjectId: charge.id,
          accountId: charge.accountId,
          data: {
            chargeId: charge.id,
            transactionId: n.transactionId,
            accountNumber: n.accountNumber,
            amount: n.amount,
            depositorName: n.depositorName ?? null,
            reason: problem.detail,
          },
          key: `gateway-notification:${n.transactionId}/refused`,
        });
        throw problem;
      }
    }
    await outcome('credited', null);
    res.json({ received: true, transactionId: n.transactionId, chargeId: charge.id, status: 'succeeded' });
  });

  r.post('/webhooks/bank', raw, async (req, res) => {
    const body = parse(BankDepositBody, verifiedJson(req, BANK_SIGNATURE_HEADER, config.webhookSecrets.bank));
    const { created, deposit } = await receiveBankDeposit({ db, temporal, config }, body, 'webhook');
    res.status(created ? 201 : 200).json(bankDepositView(deposit));
  });

  return r;
}
