// Deposits that confirm themselves (SPEC §6.2): the admin's routes (the signed webhooks are ./webhooks-route.ts).
//
// - POST /webhooks/gateway: the gateway's signed deposit notification for a virtual account → the charge
//   workflow's depositNotified update (credits once; the same transaction again answers the same outcome).
// - POST /webhooks/bank and POST /v1/bank-deposits: the bank deposit feed, once per bankTransactionId;
//   each deposit is settled by its bank-deposit workflow (matched and confirmed, or unmatched).
// - GET /v1/bank-deposits, POST /v1/bank-deposits/{id}/assign: the admin's queue of unmatched deposits.
// - POST /v1/sandbox/virtual-accounts/{accountNumber}/deposits: the simulated gateway takes a deposit and
//   sends its signed notification over HTTP to this service's own webhook, as a real gateway would.
//
// Webhook bodies are verified on their raw bytes before any JSON parsing (express.raw on these routes,
// mounted before express.json).
import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { requireAdmin } from '../../principal.ts';
import { parse } from '../../validation.ts';
import { HttpProblem } from '../../problem.ts';
import { signatureHeader } from '../../webhook-signature.ts';
import { Id } from '../../schemas.ts';
import { bankDepositView } from '../../views/deposit.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { confirmClaimedDeposit } from '../../../activities/deposits.ts';
import { gatewayDepositNotification, SimulatedGateway } from '../../../activities/gateway.ts';
import { AccountNumber, Assign, BankDepositBody, BankDepositListQuery, SandboxDeposit } from './validators.ts';
import { GATEWAY_SIGNATURE_HEADER, isUniqueViolation, receiveBankDeposit } from './helpers.ts';

/** The bank deposit feed for admins, and the sandbox of the simulated gateway. */
export function depositsRouter({ db, temporal, config, gateway }: AppDeps): Router {
  const r = Router();
  const simulated = gateway ?? new SimulatedGateway(db, config.simulatedGateway);

  r.post('/bank-deposits', async (req, res) => {
    requireAdmin(req);
    const body = parse(BankDepositBody, req.body);
    const { created, deposit } = await receiveBankDeposit({ db, temporal, config }, body, 'api');
    res.status(created ? 201 : 200).json(bankDepositView(deposit));
  });

  r.get('/bank-deposits', async (req, res) => {
    requireAdmin(req);
    const q = parse(BankDepositListQuery, req.query);
    // The unmatched queue reads oldest first; everything else newest first.
    const dir: Prisma.SortOrder = q.status === 'unmatched' ? 'asc' : 'desc';
    const rows = await db.bankDeposit.findMany({ where: q.status ? { status: q.status } : {}, orderBy: [{ createdAt: dir }, { id: dir }], take: q.limit });
    res.json({ deposits: rows.map(bankDepositView) });
  });

  r.get('/bank-deposits/:id', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const deposit = await db.bankDeposit.findUnique({ where: { id } });
    if (!deposit) throw new HttpProblem('not_found', `bank deposit ${id} not found`);
    res.json(bankDepositView(deposit));
  });

  // An admin assigns an unmatched deposit to a bank-transfer charge: confirmed with the deposited amount.
  r.post('/bank-deposits/:id/assign', async (req, res) => {
    requireAdmin(req);
    const id = parse(Id, req.params.id);
    const body = parse(Assign, req.body);
    let deposit = await db.bankDeposit.findUnique({ where: { id } });
    if (!deposit) throw new HttpProblem('not_found', `bank deposit ${id} not found`);
    // A retried assignment whose confirmation was not answered resumes it; anything else must be unmatched.
    const resuming = deposit.status === 'assigned' && deposit.chargeId === body.chargeId && deposit.settledAt === null;
    if (!resuming) {
      if (deposit.status !== 'unmatched') {
        throw new HttpProblem('invalid_state', `bank deposit ${id} is ${deposit.status}${deposit.chargeId ? ` (charge ${deposit.chargeId})` : ''}`, {
          currentStatus: deposit.status,
          chargeId: deposit.chargeId ?? undefined,
        });
      }
      const charge = await db.charge.findUnique({ where: { id: body.chargeId } });
      if (!charge) throw new HttpProblem('not_found', `charge ${body.chargeId} not found`);
      if (charge.method !== 'bank_transfer') throw new HttpProblem('invalid_state', `a ${charge.method} charge is not confirmed by a bank deposit`);
      try {
        const claimed = await db.bankDeposit.updateMany({
          where: { id, status: 'unmatched' },
          data: { status: 'assigned', chargeId: charge.id, note: null, settledAt: null },
        });
        if (claimed.count !== 1) {
          const now = await db.bankDeposit.findUniqueOrThrow({ where: { id } });
          throw new HttpProblem('invalid_state', `bank deposit ${id} is ${now.status}`, { currentStatus: now.status });
        }
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw new HttpProblem('invalid_state', `charge ${charge.id} is already confirmed by another bank deposit`);
      }
      deposit = await db.bankDeposit.findUniqueOrThrow({ where: { id } });
    }
    const settled = await confirmClaimedDeposit({ db, temporal }, deposit, 'admin');
    if (settled.status === 'unmatched')
      throw new HttpProblem('invalid_state', settled.note ?? `charge ${body.chargeId} refused the confirmation`, { deposit: bankDepositView(settled) });
    res.json(bankDepositView(settled));
  });

  // Sandbox (simulated gateway only): deposit into a virtual account, then the gateway notifies us.
  r.post('/sandbox/virtual-accounts/:accountNumber/deposits', async (req, res) => {
    requireAdmin(req);
    const accountNumber = parse(AccountNumber, req.params.accountNumber);
    const body = parse(SandboxDeposit, req.body ?? {});
    if (!(simulated instanceof SimulatedGateway)) throw new HttpProblem('not_found', 'the sandbox works with the simulated gateway only');
    const { chargeId, deposit } = await simulated.simulateDeposit(accountNumber, { amount: body.amount, depositorName: body.depositorName ?? null });
    const notification = gatewayDepositNotification(chargeId, accountNumber, deposit);
    const raw = JSON.stringify(notification);
    const url = new URL('/webhooks/gateway', config.publicBaseUrl).toString();
    let delivery: { url: string; status?: number; body?: unknown; error?: string };
    try {
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [GATEWAY_SIGNATURE_HEADER]: signatureHeader(config.webhookSecrets.gateway, raw) },
        body: raw,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await answer.text();
      delivery = { url, status: answer.status, body: text ? JSON.parse(text) : undefined };
    } catch (err) {
      // The deposit stands at the gateway; closing the account at dueAt finds it even without a notification.
      delivery = { url, error: (err as Error).message };
    }
    res.status(201).json({ deposit: notification, notification: delivery });
  });

  return r;
}
