// Deposits that confirm themselves (SPEC §6.2).
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
import { randomUUID } from 'node:crypto';
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AppDeps } from '../deps.ts';
import { requireAdmin } from '../auth.ts';
import { displayName, parse, reportedName } from '../validation.ts';
import { HttpProblem, toHttpProblem } from '../problem.ts';
import { signatureHeader, verifySignature } from '../webhook-signature.ts';
import type { Db } from '../../db/client.ts';
import type { Config } from '../../config/config.ts';
import { Prisma, type BankDeposit } from '../../generated/prisma/client.ts';
import { MAX_POINTS, toPoints } from '../../domain/money.ts';
import { stripForbiddenChars } from '../../domain/text.ts';
import { bankDepositWorkflowId, chargeWorkflowId } from '../../workflows/ids.ts';
import { depositNotifiedUpdate, type ChargeWorkflow, type VirtualAccountInfo } from '../../workflows/charge/definitions.ts';
import { bankDepositWorkflowType, type BankDepositWorkflow } from '../../workflows/bank-deposit/definitions.ts';
import { confirmClaimedDeposit } from '../../activities/deposits.ts';
import { createAdminEventActivities } from '../../activities/admin-events.ts';
import { gatewayDepositNotification, SimulatedGateway } from '../../activities/gateway.ts';

const Id = z.uuid({ message: 'must be a UUID' });
const Points = z.number().int().positive().max(MAX_POINTS);
const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant' });

const GatewayNotification = z.object({
  type: z.literal('virtual_account.deposited'),
  transactionId: z.string().min(1).max(200),
  orderId: Id,
  accountNumber: z.string().min(1).max(50),
  amount: Points,
  depositorName: z.string().transform(stripForbiddenChars).pipe(z.string().trim().max(100)).nullable().optional(),
  depositedAt: Instant,
});

const BankDepositBody = z
  .object({
    bankTransactionId: z.string().trim().min(1).max(200),
    amount: Points,
    depositorName: reportedName(100),
    depositedAt: Instant,
  })
  .strict();

const SandboxDeposit = z.object({ amount: Points, depositorName: displayName(100).optional() }).strict();
const Assign = z.object({ chargeId: Id }).strict();
const ListQuery = z
  .object({
    status: z.enum(['received', 'matched', 'unmatched', 'assigned']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const GATEWAY_SIGNATURE_HEADER = 'Gateway-Signature';
export const BANK_SIGNATURE_HEADER = 'Bank-Signature';
/** Raised when a gateway notification is refused (the charge was closed or the amount is wrong). */
export const VIRTUAL_ACCOUNT_DEPOSIT_REFUSED = 'virtual_account_deposit_refused';

export function bankDepositView(d: BankDeposit) {
  return {
    id: d.id,
    bankTransactionId: d.bankTransactionId,
    amount: toPoints(d.amount),
    depositorName: d.depositorName,
    depositedAt: d.depositedAt.toISOString(),
    status: d.status,
    chargeId: d.chargeId ?? undefined,
    note: d.note ?? undefined,
    source: d.source,
    createdAt: d.createdAt.toISOString(),
    settledAt: d.settledAt?.toISOString(),
  };
}

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** The raw body, verified against `<header>: t=…,v1=…` with `secret`, then parsed as JSON. 401 otherwise. */
function verifiedJson(req: Request, header: string, secret: string): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const check = verifySignature(req.get(header), raw, secret);
  if (!check.ok) throw new HttpProblem('unauthorized', `${header}: ${check.reason}`);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpProblem('validation_error', 'the body is not JSON');
  }
}

/**
 * Records a bank-feed deposit once per bankTransactionId and settles it through its workflow (started
 * once: a duplicate, also a concurrent one, attaches to the same run). The same id with other data is
 * idempotency_key_reused. Answers the deposit as it stands after settling, and whether it was new.
 */
export async function receiveBankDeposit(
  deps: { db: Db; temporal: Client; config: Config },
  body: z.infer<typeof BankDepositBody>,
  source: 'api' | 'webhook',
): Promise<{ created: boolean; deposit: BankDeposit }> {
  const { db, temporal, config } = deps;
  let created = true;
  let deposit: BankDeposit;
  try {
    deposit = await db.bankDeposit.create({
      data: { id: randomUUID(), bankTransactionId: body.bankTransactionId, amount: BigInt(body.amount), depositorName: body.depositorName, depositedAt: new Date(body.depositedAt), source },
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    created = false;
    deposit = await db.bankDeposit.findUniqueOrThrow({ where: { bankTransactionId: body.bankTransactionId } });
    if (deposit.amount !== BigInt(body.amount) || deposit.depositorName !== body.depositorName || deposit.depositedAt.getTime() !== Date.parse(body.depositedAt)) {
      throw new HttpProblem('idempotency_key_reused', `bankTransactionId ${body.bankTransactionId} was reported with other data`, { depositId: deposit.id });
    }
  }
  const workflowId = bankDepositWorkflowId(deposit.id);
  try {
    const handle = await temporal.workflow.start<BankDepositWorkflow>(bankDepositWorkflowType, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ depositId: deposit.id }],
    });
    await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    await temporal.workflow.getHandle<BankDepositWorkflow>(workflowId).result();
  }
  return { created, deposit: await db.bankDeposit.findUniqueOrThrow({ where: { id: deposit.id } }) };
}

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
      data: [{ transactionId: n.transactionId, chargeId: charge.id, accountNumber: n.accountNumber, amount: BigInt(n.amount), depositorName: n.depositorName ?? null, depositedAt: new Date(n.depositedAt) }],
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
        if (!(now.status === 'succeeded' && now.gatewayReference === n.transactionId)) problem = new HttpProblem('invalid_state', `charge ${charge.id} is ${now.status}`, { status: now.status });
      } else if (!problem) throw err;
      if (problem) {
        await outcome('refused', problem.detail);
        await events.raiseAdminEvent({
          type: VIRTUAL_ACCOUNT_DEPOSIT_REFUSED,
          subjectId: charge.id,
          accountId: charge.accountId,
          data: { chargeId: charge.id, transactionId: n.transactionId, accountNumber: n.accountNumber, amount: n.amount, depositorName: n.depositorName ?? null, reason: problem.detail },
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
    const q = parse(ListQuery, req.query);
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
        throw new HttpProblem('invalid_state', `bank deposit ${id} is ${deposit.status}${deposit.chargeId ? ` (charge ${deposit.chargeId})` : ''}`, { status: deposit.status, chargeId: deposit.chargeId ?? undefined });
      }
      const charge = await db.charge.findUnique({ where: { id: body.chargeId } });
      if (!charge) throw new HttpProblem('not_found', `charge ${body.chargeId} not found`);
      if (charge.method !== 'bank_transfer') throw new HttpProblem('invalid_state', `a ${charge.method} charge is not confirmed by a bank deposit`);
      try {
        const claimed = await db.bankDeposit.updateMany({ where: { id, status: 'unmatched' }, data: { status: 'assigned', chargeId: charge.id, note: null, settledAt: null } });
        if (claimed.count !== 1) {
          const now = await db.bankDeposit.findUniqueOrThrow({ where: { id } });
          throw new HttpProblem('invalid_state', `bank deposit ${id} is ${now.status}`, { status: now.status });
        }
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw new HttpProblem('invalid_state', `charge ${charge.id} is already confirmed by another bank deposit`);
      }
      deposit = await db.bankDeposit.findUniqueOrThrow({ where: { id } });
    }
    const settled = await confirmClaimedDeposit({ db, temporal }, deposit, 'admin');
    if (settled.status === 'unmatched') throw new HttpProblem('invalid_state', settled.note ?? `charge ${body.chargeId} refused the confirmation`, { deposit: bankDepositView(settled) });
    res.json(bankDepositView(settled));
  });

  // Sandbox (simulated gateway only): deposit into a virtual account, then the gateway notifies us.
  r.post('/sandbox/virtual-accounts/:accountNumber/deposits', async (req, res) => {
    requireAdmin(req);
    const accountNumber = parse(z.string().regex(/^\d{6,20}$/, 'must be digits'), req.params.accountNumber);
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
