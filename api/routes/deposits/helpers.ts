// What the deposit routes and webhooks share: signed raw bodies, and receiving a bank-feed deposit once.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { HttpProblem } from '../../problem.ts';
import { verifySignature } from '../../webhook-signature.ts';
import type { Db } from '../../../db/client.ts';
import type { Config } from '../../../config/config.ts';
import { Prisma, type BankDeposit } from '../../../generated/prisma/client.ts';
import { bankDepositWorkflowId } from '../../../workflows/ids.ts';
import { bankDepositWorkflowType, type BankDepositWorkflow } from '../../../workflows/bank-deposit/definitions.ts';
import type { BankDepositBody } from './validators.ts';

export const GATEWAY_SIGNATURE_HEADER = 'Gateway-Signature';
export const BANK_SIGNATURE_HEADER = 'Bank-Signature';
/** Raised when a gateway notification is refused (the charge was closed or the amount is wrong). */
export const VIRTUAL_ACCOUNT_DEPOSIT_REFUSED = 'virtual_account_deposit_refused';

export const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** The raw body, verified against `<header>: t=…,v1=…` with `secret`, then parsed as JSON. 401 otherwise. */
export function verifiedJson(req: Request, header: string, secret: string): unknown {
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
      data: {
        id: randomUUID(),
        bankTransactionId: body.bankTransactionId,
        amount: BigInt(body.amount),
        depositorName: body.depositorName,
        depositedAt: new Date(body.depositedAt),
        source,
      },
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    created = false;
    deposit = await db.bankDeposit.findUniqueOrThrow({ where: { bankTransactionId: body.bankTransactionId } });
    if (
      deposit.amount !== BigInt(body.amount) ||
      deposit.depositorName !== body.depositorName ||
      deposit.depositedAt.getTime() !== Date.parse(body.depositedAt)
    ) {
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
