// Deposit activities (SPEC §6.2): virtual accounts through the gateway port, tax documents through the
// tax-document port, and the bank deposit feed's matching. Every one is idempotent: the gateway and the
// issuer by their key (the charge id), the read model by conditional updates and unique keys.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, ApplicationFailure, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { BankDeposit, Prisma } from '../generated/prisma/client.ts';
import { BusinessError } from '../domain/errors.ts';
import { toPoints } from '../domain/money.ts';
import { sameDepositor } from '../domain/depositor-name.ts';
import { chargeWorkflowId, stepKey } from '../workflows/ids.ts';
import {
  ChargeEventType,
  confirmDepositUpdate,
  type ChargeWorkflow,
  type DepositNotifiedInput,
  type VirtualAccountInfo,
} from '../workflows/charge/definitions.ts';
import type { BankDepositOutcome } from '../workflows/bank-deposit/definitions.ts';
import { asActivity } from './failures.ts';
import { SimulatedGateway, type PaymentGateway } from './gateway.ts';
import { SimulatedTaxIssuer, type TaxDocumentIssuer } from './tax-documents.ts';

export interface DepositDeps {
  db: Db;
  gateway?: PaymentGateway;
  taxIssuer?: TaxDocumentIssuer;
  temporal?: Client;
  logger?: Logger;
}

export interface IssueVirtualAccountInput {
  chargeId: string;
  amount: number;
  /** ISO instant computed by the workflow. */
  dueAt: string;
  holder: string;
}

export type VirtualAccountClosed = { status: 'closed' } | { status: 'deposited'; deposit: DepositNotifiedInput };

export interface TaxDocumentStep {
  chargeId: string;
  /** Workflow time (ISO). */
  at: string;
}

const eventKey = (chargeId: string, step: string) => stepKey(chargeWorkflowId(chargeId), step);

async function addEvent(db: Db | Prisma.TransactionClient, chargeId: string, type: string, at: string, data: Record<string, unknown>) {
  await db.chargeEvent.createMany({
    data: [{ chargeId, type, at: new Date(at), data: data as Prisma.InputJsonValue, key: eventKey(chargeId, type) }],
    skipDuplicates: true,
  });
}

export function bankDepositOutcome(d: BankDeposit): BankDepositOutcome {
  return {
    depositId: d.id,
    status: d.status,
    bankTransactionId: d.bankTransactionId,
    amount: toPoints(d.amount),
    depositorName: d.depositorName,
    chargeId: d.chargeId,
    note: d.note,
  };
}

/**
 * Sends the deposit's confirmation to the charge it is claimed for (status matched or assigned, not yet
 * settled) through the charge workflow's confirmDeposit update, as an admin would. Repeating it is
 * harmless: the workflow answers the same decision again with the same outcome. When the charge refuses
 * (cancelled, expired, rejected, confirmed with another amount), the claim is released: the deposit is
 * unmatched again and the refusal is returned as its note.
 */
export async function confirmClaimedDeposit(deps: { db: Db; temporal: Client }, deposit: BankDeposit, by: 'bank_feed' | 'admin'): Promise<BankDeposit> {
  const { db, temporal } = deps;
  const chargeId = deposit.chargeId!;
  const amount = toPoints(deposit.amount);
  let refusal: string | undefined;
  try {
    await temporal.workflow.getHandle<ChargeWorkflow>(chargeWorkflowId(chargeId)).executeUpdate(confirmDepositUpdate, {
      args: [{ depositedAmount: amount, depositorName: deposit.depositorName, memo: `bank deposit ${deposit.bankTransactionId}`, by }],
    });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) refusal = err.cause.message;
    else if (!(err instanceof WorkflowNotFoundError)) throw err;
    // The workflow closed, or refused: the read model says whether this deposit's amount was confirmed.
    const charge = await db.charge.findUnique({ where: { id: chargeId } });
    if (charge?.status === 'succeeded' && charge.depositedAmount === deposit.amount) refusal = undefined;
    else refusal ??= `charge ${chargeId} is ${charge?.status ?? 'unknown'}`;
  }
  if (refusal === undefined) {
    await db.bankDeposit.updateMany({ where: { id: deposit.id, settledAt: null }, data: { settledAt: new Date() } });
  } else {
    await db.bankDeposit.updateMany({
      where: { id: deposit.id, status: deposit.status, chargeId },
      data: { status: 'unmatched', chargeId: null, note: `charge ${chargeId} refused the confirmation: ${refusal}`, settledAt: new Date() },
    });
  }
  return db.bankDeposit.findUniqueOrThrow({ where: { id: deposit.id } });
}

/** Bank transfers an admin confirmed with this deposit's amount in the last week that no deposit claims. */
async function confirmedByHand(db: Db, deposit: BankDeposit, claimed: Set<string | null>) {
  const confirmed = await db.charge.findMany({
    where: {
      method: 'bank_transfer',
      status: 'succeeded',
      confirmedBy: 'admin',
      depositedAmount: deposit.amount,
      completedAt: { gte: new Date(deposit.depositedAt.getTime() - 7 * 24 * 3_600_000) },
    },
    take: 50,
  });
  const taken = new Set([
    ...claimed,
    ...(await db.bankDeposit.findMany({ where: { chargeId: { in: confirmed.map((c) => c.id) } }, select: { chargeId: true } })).map((d) => d.chargeId),
  ]);
  const names = new Map((await db.account.findMany({ where: { id: { in: confirmed.map((c) => c.accountId) } } })).map((a) => [a.id, a.name]));
  return confirmed.filter((c) => !taken.has(c.id) && sameDepositor(c.depositorName ?? names.get(c.accountId), deposit.depositorName));
}

const isUniqueViolation = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: string }).code === 'P2002';

export function createDepositActivities(deps: DepositDeps) {
  const { db } = deps;
  const gateway = deps.gateway ?? new SimulatedGateway(db);
  const issuer = deps.taxIssuer ?? new SimulatedTaxIssuer(db);
  return {
    /** Issues (or finds) the charge's virtual account at the gateway, keyed by the charge id. */
    async issueVirtualAccount(input: IssueVirtualAccountInput): Promise<VirtualAccountInfo> {
      return asActivity(async () => {
        const va = await gateway.issueVirtualAccount({
          idempotencyKey: input.chargeId,
          amount: input.amount,
          dueAt: new Date(input.dueAt),
          holder: input.holder,
        });
        return { bank: va.bank, accountNumber: va.accountNumber, holder: va.holder, dueAt: va.dueAt.toISOString() };
      });
    },

    /**
     * Closes the charge's virtual account at the gateway (at dueAt, or on cancel). If a deposit reached
     * the gateway first, the account was not closed and the deposit is returned for crediting.
     */
    async closeVirtualAccount(input: { chargeId: string; at: string; reason: string }): Promise<VirtualAccountClosed> {
      return asActivity(async () => {
        const closing = await gateway.closeVirtualAccount(input.chargeId);
        if (closing.status === 'deposited') {
          const d = closing.deposit;
          return {
            status: 'deposited',
            deposit: { transactionId: d.transactionId, amount: d.amount, depositorName: d.depositorName, depositedAt: d.depositedAt.toISOString() },
          };
        }
        await addEvent(db, input.chargeId, ChargeEventType.virtualAccountClosed, input.at, { reason: input.reason });
        return { status: 'closed' };
      });
    },

    /**
     * Asks the issuer for the charge's document (idempotent by the charge id) and records it issued. A
     * refusal is a business failure (tax_document_refused, not retried); an unreachable issuer is thrown
     * for Temporal to retry.
     */
    async issueTaxDocument(input: TaxDocumentStep): Promise<{ number: string }> {
      return asActivity(async () => {
        const doc = await db.taxDocument.findUniqueOrThrow({ where: { chargeId: input.chargeId } });
        if (doc.status === 'issued') return { number: doc.number! };
        if (doc.status === 'failed') throw new BusinessError('tax_document_refused', doc.failureReason ?? 'the tax document failed');
        if (doc.type === 'none') throw new BusinessError('invalid_state', `charge ${input.chargeId} needs no tax document`);
        const account = await db.account.findUniqueOrThrow({ where: { id: doc.accountId } });
        const issued = await issuer.issue({
          idempotencyKey: doc.chargeId,
          type: doc.type,
          businessRegistrationNumber: doc.businessRegistrationNumber,
          buyerName: account.name,
          amount: toPoints(doc.amount),
          suppliedAt: new Date(input.at),
        });
        await db.taxDocument.updateMany({
          where: { chargeId: doc.chargeId, status: 'requested' },
          data: { status: 'issued', number: issued.number, completedAt: issued.issuedAt },
        });
        await addEvent(db, doc.chargeId, ChargeEventType.taxDocumentIssued, input.at, { type: doc.type, number: issued.number });
        return { number: issued.number };
      });
    },

    /** Records the document as failed (refused, or the issuer never answered within the retry window). */
    async failTaxDocument(input: TaxDocumentStep & { reason: string }): Promise<void> {
      await db.taxDocument.updateMany({
        where: { chargeId: input.chargeId, status: 'requested' },
        data: { status: 'failed', failureReason: input.reason, completedAt: new Date(input.at) },
      });
      await addEvent(db, input.chargeId, ChargeEventType.taxDocumentFailed, input.at, { reason: input.reason });
    },

    /**
     * Settles one bank-feed deposit: a received deposit is matched against the bank-transfer charges
     * awaiting a deposit of the same amount whose depositor (the charge's depositorName, else the
     * account's name) is the same after normalisation. Exactly one → claimed (BankDeposit.chargeId is
     * unique, so a charge is claimed by one deposit at most) and confirmed through the charge workflow
     * with `by: "bank_feed"`; none, several, a lost claim or a refusal → unmatched. A claimed deposit not
     * yet settled (a retry after a crash) sends its confirmation again.
     */
    async settleBankDeposit(input: { depositId: string }): Promise<BankDepositOutcome> {
      return asActivity(async () => {
        let deposit = await db.bankDeposit.findUniqueOrThrow({ where: { id: input.depositId } });
        if (deposit.status === 'received') {
          const candidates = await db.charge.findMany({
            where: { method: 'bank_transfer', status: 'awaiting_deposit', amount: deposit.amount },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            take: 200,
          });
          const accounts = new Map(
            (await db.account.findMany({ where: { id: { in: [...new Set(candidates.map((c) => c.accountId))] } } })).map((a) => [a.id, a.name]),
          );
          const claimed = new Set(
            (await db.bankDeposit.findMany({ where: { chargeId: { in: candidates.map((c) => c.id) } }, select: { chargeId: true } })).map((d) => d.chargeId),
          );
          let matches = candidates.filter((c) => !claimed.has(c.id) && sameDepositor(c.depositorName ?? accounts.get(c.accountId), deposit.depositorName));
          // None awaiting: an admin may have confirmed this very deposit by hand before the feed reported
          // it. Attach the deposit to that charge (same amount deposited, same depositor, no deposit yet)
          // rather than leave it in the unmatched queue; confirming again below changes nothing.
          if (matches.length === 0) matches = await confirmedByHand(db, deposit, claimed);
          let note: string | null = null;
          if (matches.length === 1) {
            try {
              await db.bankDeposit.updateMany({ where: { id: deposit.id, status: 'received' }, data: { status: 'matched', chargeId: matches[0]!.id } });
            } catch (err) {
              if (!isUniqueViolation(err)) throw err;
              note = `the matching charge ${matches[0]!.id} was claimed by another deposit`;
            }
          } else {
            note =
              matches.length === 0
                ? 'no charge awaiting a deposit of this amount from this depositor'
                : `${matches.length} charges awaiting a deposit match it (${matches.map((c) => c.id).join(', ')})`;
          }
          if (note !== null)
            await db.bankDeposit.updateMany({ where: { id: deposit.id, status: 'received' }, data: { status: 'unmatched', note, settledAt: new Date() } });
          deposit = await db.bankDeposit.findUniqueOrThrow({ where: { id: input.depositId } });
        }
        if ((deposit.status === 'matched' || deposit.status === 'assigned') && deposit.settledAt === null) {
          if (!deps.temporal) throw new Error('settleBankDeposit needs a Temporal client');
          deposit = await confirmClaimedDeposit({ db, temporal: deps.temporal }, deposit, deposit.status === 'assigned' ? 'admin' : 'bank_feed');
        }
        return bankDepositOutcome(deposit);
      });
    },
  };
}
