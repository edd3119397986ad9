// Charge activities. The Charge row and its ChargeEvent rows are the read model the API answers from,
// written only here. Every write is idempotent: the charge row by its id, each timeline event by its key
// (workflow id + step), the credit by its ledger business key, and state changes are conditional on the
// charge still being open, so a retried or replayed activity changes nothing twice.
import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import type { Charge, Prisma } from '../generated/prisma/client.ts';
import { ledgerTransaction, postEntry, type Tx } from '../db/ledger.ts';
import { BusinessError } from '../domain/errors.ts';
import { toPoints } from '../domain/money.ts';
import { chargeWorkflowId, stepKey } from '../workflows/ids.ts';
import {
  ChargeEventType,
  isTerminalChargeStatus,
  type BankAccountInfo,
  type ChargeInput,
  type ChargeSnapshot,
  type ChargeStatus,
  type VirtualAccountInfo,
} from '../workflows/charge/definitions.ts';
import { asActivity } from './failures.ts';
import { emitChargeEvent } from '../db/events.ts';
import { GatewayUnavailableError, SimulatedGateway, type PaymentGateway } from './gateway.ts';

export const chargeCreditKey = (chargeId: string) => stepKey(chargeWorkflowId(chargeId), 'credit');
export const chargeEventKey = (chargeId: string, step: string) => stepKey(chargeWorkflowId(chargeId), step);

export interface OpenChargeInput extends Pick<ChargeInput, 'chargeId' | 'accountId' | 'amount' | 'method' | 'origin' | 'depositorName' | 'paymentMethodId'> {
  /** Workflow time of the request (ISO). */
  requestedAt: string;
  /** Bank transfers only. */
  bankAccount?: BankAccountInfo | null;
  processingStartsAt?: string | null;
  expectedBy?: string | null;
  expiresAt?: string | null;
}

export interface CaptureCardInput {
  chargeId: string;
  paymentMethodId: string;
  amount: number;
}

export interface LookupCardCaptureInput {
  chargeId: string;
}

/** What the gateway holds under the charge's capture key (plain JSON for the workflow). */
export type CardCaptureLookup =
  { status: 'captured'; reference: string; amount: number } | { status: 'declined'; reference: string; declineCode: string | null } | { status: 'not_found' };

export interface CapturedCard {
  reference: string;
  brand: string;
  last4: string;
}

export interface CreditChargeInput {
  chargeId: string;
  /** Points to credit: the requested amount of a card charge, the deposited amount of a bank transfer. */
  amount: number;
  /** Workflow time (ISO). */
  at: string;
  gatewayReference?: string | null;
  /** Bank transfers: what the admin confirmed. */
  deposit?: { depositedAmount: number; depositorName?: string | null; memo?: string | null; by?: string | null } | null;
}

export interface RecordVirtualAccountInput {
  chargeId: string;
  virtualAccount: VirtualAccountInfo;
  /** Workflow time (ISO). */
  at: string;
}

export interface CloseChargeInput {
  chargeId: string;
  status: Extract<ChargeStatus, 'failed' | 'cancelled' | 'rejected' | 'expired'>;
  at: string;
  reason?: string | null;
  failureCode?: string | null;
  data?: Record<string, unknown>;
}

export interface ChargeEventInput {
  chargeId: string;
  type: string;
  at: string;
  /** Step name that makes the event unique per charge (defaults to `type`). */
  step?: string;
  data?: Record<string, unknown>;
}

const OPEN: ChargeStatus[] = ['pending', 'awaiting_deposit'];

export function chargeSnapshot(c: Charge): ChargeSnapshot {
  return {
    chargeId: c.id,
    status: c.status,
    method: c.method,
    amount: toPoints(c.amount),
    depositedAmount: c.depositedAmount === null ? null : toPoints(c.depositedAmount),
    creditedAmount: c.creditedAmount === null ? null : toPoints(c.creditedAmount),
    failureCode: c.failureCode,
    failureReason: c.failureReason,
    processingStartsAt: c.processingStartsAt?.toISOString() ?? null,
    expectedBy: c.expectedBy?.toISOString() ?? null,
    expiresAt: c.expiresAt?.toISOString() ?? null,
  };
}

async function addEvents(tx: Tx | Db, chargeId: string, events: { type: string; at: string; step?: string; data?: Record<string, unknown> }[]) {
  await tx.chargeEvent.createMany({
    data: events.map((e) => ({
      chargeId,
      type: e.type,
      at: new Date(e.at),
      data: (e.data ?? {}) as Prisma.InputJsonValue,
      key: chargeEventKey(chargeId, e.step ?? e.type),
    })),
    skipDuplicates: true,
  });
}

/** A state change lost a race with another writer; the retry re-reads and finds the winner's state. */
class ChargeChanged extends Error {}

export function createChargeActivities(deps: { db: Db; gateway?: PaymentGateway }) {
  const { db } = deps;
  const gateway = deps.gateway ?? new SimulatedGateway(db);
  return {
    /**
     * Records the charge (pending for a card, awaiting_deposit for a bank transfer) with its first
     * timeline events. A retry returns the row the first attempt wrote, whatever its state now.
     */
    async openCharge(input: OpenChargeInput): Promise<ChargeSnapshot> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          const existing = await tx.charge.findUnique({ where: { id: input.chargeId } });
          if (existing) return chargeSnapshot(existing);
          const account = await tx.account.findUnique({ where: { id: input.accountId } });
          if (!account) throw new BusinessError('not_found', `account ${input.accountId} not found`);
          if (account.billingMode === 'parent') {
            throw new BusinessError('invalid_state', `account ${account.id} is billed to its partner; the partner tops up`);
          }
          if (input.method === 'card') {
            const pm = input.paymentMethodId ? await tx.paymentMethod.findUnique({ where: { id: input.paymentMethodId } }) : null;
            if (!pm || pm.accountId !== account.id) throw new BusinessError('not_found', `payment method ${input.paymentMethodId} not found`);
          }
          const bank = input.method === 'bank_transfer';
          const created = await tx.charge.create({
            data: {
              id: input.chargeId,
              accountId: account.id,
              amount: BigInt(input.amount),
              method: input.method,
              origin: input.origin,
              status: bank ? 'awaiting_deposit' : 'pending',
              depositorName: input.depositorName ?? null,
              paymentMethodId: input.paymentMethodId ?? null,
              bankAccount: bank && input.bankAccount ? (input.bankAccount as unknown as Prisma.InputJsonValue) : undefined,
              processingStartsAt: bank && input.processingStartsAt ? new Date(input.processingStartsAt) : null,
              expectedBy: bank && input.expectedBy ? new Date(input.expectedBy) : null,
              expiresAt: bank && input.expiresAt ? new Date(input.expiresAt) : null,
              createdAt: new Date(input.requestedAt),
            },
          });
          const events: { type: string; at: string; data?: Record<string, unknown> }[] = [
            { type: ChargeEventType.requested, at: input.requestedAt, data: { amount: input.amount, method: input.method, origin: input.origin } },
          ];
          if (bank) {
            events.push({
              type: ChargeEventType.awaitingDeposit,
              at: input.requestedAt,
              data: {
                bankAccount: input.bankAccount,
                depositorName: input.depositorName ?? null,
                processingStartsAt: input.processingStartsAt,
                expectedBy: input.expectedBy,
                expiresAt: input.expiresAt,
              },
            });
          }
          await addEvents(tx, created.id, events);
          if (bank) await emitChargeEvent(tx, created.id, 'awaiting_deposit');
          return chargeSnapshot(created);
        }),
      );
    },

    /**
     * Captures a card charge through the gateway with the charge id as the idempotency key. A decline is
     * a business failure (card_declined, not retried); a transient gateway error is recorded on the
     * timeline and rethrown for Temporal to retry.
     */
    async captureCardPayment(input: CaptureCardInput): Promise<CapturedCard> {
      return asActivity(async () => {
        const pm = await db.paymentMethod.findUnique({ where: { id: input.paymentMethodId } });
        if (!pm) throw new BusinessError('not_found', `payment method ${input.paymentMethodId} not found`);
        try {
          const capture = await gateway.capture({
            idempotencyKey: input.chargeId,
            token: pm.token,
            amount: input.amount,
            description: `charge ${input.chargeId}`,
          });
          return { reference: capture.reference, brand: pm.brand, last4: pm.last4 };
        } catch (err) {
          if (err instanceof GatewayUnavailableError) {
            const { attempt, currentAttemptScheduledTimestampMs } = Context.current().info;
            await addEvents(db, input.chargeId, [
              {
                type: ChargeEventType.captureAttemptFailed,
                step: `capture-attempt-${attempt}`,
                // Server time of the attempt (workflow time), like every other timeline instant.
                at: new Date(currentAttemptScheduledTimestampMs).toISOString(),
                data: { attempt, error: err.message },
              },
            ]);
          }
          throw err;
        }
      });
    },

    /**
     * Asks the gateway what it holds under the charge's capture key (the charge id), capturing nothing.
     * An unreachable gateway is rethrown for Temporal to retry: only a definite answer returns.
     */
    async lookupCardCapture(input: LookupCardCaptureInput): Promise<CardCaptureLookup> {
      const found = await gateway.lookupCapture(input.chargeId);
      switch (found.status) {
        case 'captured':
          return { status: 'captured', reference: found.capture.reference, amount: found.capture.amount };
        case 'declined':
          return { status: 'declined', reference: found.reference, declineCode: found.declineCode };
        case 'not_found':
          return { status: 'not_found' };
      }
    },

    /**
     * Credits the charge's account once (ledger business key `charge:<id>/credit`) and marks the charge
     * succeeded, in one transaction. A retry after success returns the succeeded charge.
     */
    async creditCharge(input: CreditChargeInput): Promise<ChargeSnapshot> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          const charge = await tx.charge.findUnique({ where: { id: input.chargeId } });
          if (!charge) throw new BusinessError('not_found', `charge ${input.chargeId} not found`);
          if (charge.status === 'succeeded') {
            const doc = await tx.taxDocument.findUnique({ where: { chargeId: charge.id } });
            return { ...chargeSnapshot(charge), taxDocument: doc && doc.type !== 'none' ? doc.type : null };
          }
          if (!OPEN.includes(charge.status)) throw new BusinessError('invalid_state', `charge ${charge.id} is ${charge.status}`);
          const entry = await postEntry(tx, {
            walletId: charge.accountId,
            accountId: charge.accountId,
            kind: 'charge',
            amount: input.amount,
            businessKey: chargeCreditKey(charge.id),
            chargeId: charge.id,
            memo:
              charge.method === 'card'
                ? 'card charge'
                : charge.method === 'virtual_account'
                  ? 'virtual account deposit'
                  : `bank transfer${(input.deposit?.depositorName ?? charge.depositorName) ? ` from ${input.deposit?.depositorName ?? charge.depositorName}` : ''}`,
          });
          const updated = await tx.charge.updateMany({
            where: { id: charge.id, status: { in: OPEN } },
            data: {
              status: 'succeeded',
              creditedAmount: BigInt(input.amount),
              depositedAmount: input.deposit ? BigInt(input.deposit.depositedAmount) : null,
              gatewayReference: input.gatewayReference ?? null,
              completedAt: new Date(input.at),
              confirmedBy: input.deposit?.by ?? null,
            },
          });
          if (updated.count !== 1) throw new ChargeChanged(`charge ${charge.id} changed while being credited`);
          const events: { type: string; at: string; data?: Record<string, unknown> }[] = [];
          if (input.deposit) {
            events.push({
              type: ChargeEventType.depositConfirmed,
              at: input.at,
              data: {
                requestedAmount: toPoints(charge.amount),
                depositedAmount: input.deposit.depositedAmount,
                difference: input.deposit.depositedAmount - toPoints(charge.amount),
                depositorName: input.deposit.depositorName ?? null,
                memo: input.deposit.memo ?? null,
                by: input.deposit.by ?? null,
              },
            });
          }
          if (input.gatewayReference && charge.method === 'card')
            events.push({ type: ChargeEventType.cardCaptured, at: input.at, data: { gatewayReference: input.gatewayReference } });
          events.push({
            type: ChargeEventType.succeeded,
            at: input.at,
            data: { creditedAmount: input.amount, balanceAfter: entry.balanceAfter, ledgerEntryId: entry.id },
          });
          // A deposit top-up of an account that wants a tax document records it as requested, with the credit.
          const account = charge.method === 'card' ? null : await tx.account.findUniqueOrThrow({ where: { id: charge.accountId } });
          const taxDocument = account && account.taxDocument !== 'none' ? account.taxDocument : null;
          if (account && taxDocument) {
            await tx.taxDocument.createMany({
              data: [
                {
                  chargeId: charge.id,
                  accountId: account.id,
                  type: taxDocument,
                  status: 'requested',
                  businessRegistrationNumber: account.businessRegistrationNumber,
                  amount: BigInt(input.amount),
                  requestedAt: new Date(input.at),
                },
              ],
              skipDuplicates: true,
            });
            events.push({ type: ChargeEventType.taxDocumentRequested, at: input.at, data: { type: taxDocument } });
          }
          await addEvents(tx, charge.id, events);
          await emitChargeEvent(tx, charge.id, 'succeeded');
          return { ...chargeSnapshot(await tx.charge.findUniqueOrThrow({ where: { id: charge.id } })), taxDocument };
        }),
      );
    },

    /** Ends an open charge without a credit (failed, cancelled, rejected, expired). */
    async closeCharge(input: CloseChargeInput): Promise<ChargeSnapshot> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          const charge = await tx.charge.findUnique({ where: { id: input.chargeId } });
          if (!charge) throw new BusinessError('not_found', `charge ${input.chargeId} not found`);
          if (charge.status === input.status) return chargeSnapshot(charge);
          if (isTerminalChargeStatus(charge.status)) throw new BusinessError('invalid_state', `charge ${charge.id} is ${charge.status}`);
          const updated = await tx.charge.updateMany({
            where: { id: charge.id, status: { in: OPEN } },
            data: { status: input.status, failureReason: input.reason ?? null, failureCode: input.failureCode ?? null, completedAt: new Date(input.at) },
          });
          if (updated.count !== 1) throw new ChargeChanged(`charge ${charge.id} changed while being closed`);
          await addEvents(tx, charge.id, [
            {
              type: input.status,
              at: input.at,
              data: { reason: input.reason ?? null, ...(input.failureCode ? { code: input.failureCode } : {}), ...input.data },
            },
          ]);
          await emitChargeEvent(tx, charge.id, input.status);
          return chargeSnapshot(await tx.charge.findUniqueOrThrow({ where: { id: charge.id } }));
        }),
      );
    },

    /**
     * Virtual accounts: records the account the gateway issued and moves the charge from pending to
     * awaiting_deposit, due at the account's dueAt. A retry finds the charge already awaiting.
     */
    async recordVirtualAccount(input: RecordVirtualAccountInput): Promise<ChargeSnapshot> {
      return asActivity(() =>
        ledgerTransaction(db, async (tx) => {
          const opened = await tx.charge.updateMany({
            where: { id: input.chargeId, status: 'pending', method: 'virtual_account' },
            data: {
              status: 'awaiting_deposit',
              virtualAccount: input.virtualAccount as unknown as Prisma.InputJsonValue,
              expiresAt: new Date(input.virtualAccount.dueAt),
            },
          });
          const charge = await tx.charge.findUnique({ where: { id: input.chargeId } });
          if (!charge) throw new BusinessError('not_found', `charge ${input.chargeId} not found`);
          await addEvents(tx, charge.id, [{ type: ChargeEventType.awaitingDeposit, at: input.at, data: { virtualAccount: input.virtualAccount } }]);
          // Told once: a retry finds the charge already awaiting and emits nothing.
          if (opened.count === 1) await emitChargeEvent(tx, charge.id, 'awaiting_deposit');
          return chargeSnapshot(charge);
        }),
      );
    },

    /** Adds one timeline event, once per (charge, step). */
    async recordChargeEvent(input: ChargeEventInput): Promise<void> {
      await addEvents(db, input.chargeId, [input]);
    },
  };
}
