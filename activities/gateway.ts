// The payment-gateway port and the simulated gateway that runs by default (SPEC §4, §6.1).
//
// Test tokens: `tok_visa` and `tok_mastercard` succeed, `tok_declined` is declined, `tok_flaky` fails
// transiently twice (per capture idempotency key) and then succeeds, `tok_lost_answer` is captured at the
// first attempt but the answers of the attempts in the first 90 seconds are lost (a timeout after the
// request left: the outcome is unknown to the caller), `tok_outage` finds the gateway unreachable for the
// first 60 seconds after the charge's first attempt. Anything else is not a card.
//
// Idempotency: every capture carries an idempotency key (the charge id). The simulated gateway keeps its
// outcomes in PostgreSQL (SimulatedCardCapture, keyed by that key), not in memory: a capture whose answer
// was lost is retried with the same key and gets the first capture back, so the card is never captured
// twice, whichever worker process retries; `lookupCapture` answers what the gateway holds under a key,
// which is how a caller settles an outcome it never heard. The first contact per key is persisted too
// (SimulatedGatewayContact), so the outage and lost-answer windows survive a worker restart. Only the
// transient-failure counter of `tok_flaky` lives in memory (per gateway instance): forgetting it on
// restart merely fails twice more.
import { randomBytes, randomInt } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { BusinessError } from '../domain/errors.ts';
import { toPoints } from '../domain/money.ts';

export interface CardDetails {
  /** The reusable token the gateway charges later (never a card number). */
  token: string;
  brand: string;
  last4: string;
}

export interface CaptureRequest {
  /** The charge id: the gateway answers a repeated key with the first outcome. */
  idempotencyKey: string;
  token: string;
  amount: number;
  description?: string;
}

export interface Capture {
  reference: string;
  amount: number;
  capturedAt: Date;
  /** True when the gateway answered an earlier capture with the same key. */
  replayed: boolean;
}

/** What the gateway holds under an idempotency key: a definite answer, or nothing at all. */
export type CaptureLookup =
  { status: 'captured'; capture: Capture } | { status: 'declined'; declineCode: string | null; reference: string } | { status: 'not_found' };

export interface PaymentGateway {
  /** Describes a card token (brand, last 4). Unknown tokens: BusinessError('validation_error'). */
  tokenize(cardToken: string): Promise<CardDetails>;
  /**
   * Captures `amount` on the card, once per idempotency key. A decline is BusinessError('card_declined')
   * (not retryable). A GatewayUnavailableError means the gateway could not be reached or its answer was
   * lost: the capture may or may not have happened, and the caller retries with the same key.
   */
  capture(request: CaptureRequest): Promise<Capture>;
  /**
   * Looks up the capture made under an idempotency key, without capturing anything. `not_found` is a
   * definite answer: no capture exists under that key. An unreachable gateway is a GatewayUnavailableError.
   */
  lookupCapture(idempotencyKey: string): Promise<CaptureLookup>;
  /** A sandbox gateway's test cards (pages offer them in test mode); absent on a live gateway. */
  testCards?(): readonly TestCardInfo[];
  /**
   * Issues a virtual account (가상계좌) for one charge, valid until `dueAt`, that accepts exactly `amount`
   * once. Idempotent by `idempotencyKey` (the charge id): a repeated request answers the same account.
   */
  issueVirtualAccount(request: VirtualAccountRequest): Promise<VirtualAccount>;
  /**
   * Closes the charge's virtual account so it takes no deposit from now on. The gateway settles the race
   * with a deposit: if one arrived first, the answer is `deposited` with it (the account was not closed).
   * Idempotent: closing a closed account answers `closed` again.
   */
  closeVirtualAccount(idempotencyKey: string): Promise<VirtualAccountClosing>;
}

/** A sandbox card token and what the gateway does with it. */
export interface TestCardInfo {
  token: string;
  brand: string;
  last4: string;
  behaviour: string;
}

export interface VirtualAccountRequest {
  /** The charge id. */
  idempotencyKey: string;
  amount: number;
  dueAt: Date;
  /** The account holder name shown to the depositor (the operator). */
  holder: string;
}

export interface VirtualAccount {
  bank: string;
  accountNumber: string;
  holder: string;
  dueAt: Date;
}

export interface VirtualAccountDeposit {
  /** The gateway's transaction id: a notification is identified by it. */
  transactionId: string;
  amount: number;
  depositorName: string | null;
  depositedAt: Date;
}

export type VirtualAccountClosing = { status: 'closed' } | { status: 'deposited'; deposit: VirtualAccountDeposit };

/** A transient gateway failure (unreachable, timeout, 5xx): the outcome is unknown; retry with the same key. */
export class GatewayUnavailableError extends Error {
  constructor(message = 'the payment gateway is temporarily unavailable') {
    super(message);
    this.name = 'GatewayUnavailableError';
  }
}

type Behaviour = 'succeed' | 'decline' | 'flaky' | 'lost_answer' | 'outage';
type TestCard = { brand: string; last4: string; behaviour: Behaviour };

export const TEST_CARDS: Readonly<Record<string, TestCard>> = Object.freeze({
  tok_visa: { brand: 'visa', last4: '4242', behaviour: 'succeed' },
  tok_mastercard: { brand: 'mastercard', last4: '4444', behaviour: 'succeed' },
  tok_declined: { brand: 'visa', last4: '0002', behaviour: 'decline' },
  tok_flaky: { brand: 'visa', last4: '1881', behaviour: 'flaky' },
  tok_lost_answer: { brand: 'visa', last4: '3220', behaviour: 'lost_answer' },
  tok_outage: { brand: 'mastercard', last4: '5100', behaviour: 'outage' },
});

export const FLAKY_FAILURES = 2;

export interface SimulatedGatewayOptions {
  /** tok_lost_answer: answers to attempts within this long of the first attempt are lost (SPEC: 90 s). */
  lostAnswerMs?: number;
  /** tok_outage: the gateway is unreachable for this long after the first attempt (SPEC: 60 s). */
  outageMs?: number;
  /** The gateway's own clock (ms since the epoch). */
  now?: () => number;
}

function testCard(token: string): TestCard {
  const card = Object.prototype.hasOwnProperty.call(TEST_CARDS, token) ? TEST_CARDS[token] : undefined;
  if (!card) {
    throw new BusinessError('validation_error', `cardToken: unknown card token; the simulated gateway accepts ${Object.keys(TEST_CARDS).join(', ')}`, {
      errors: [{ path: 'cardToken', message: 'unknown card token' }],
    });
  }
  return card;
}

type CaptureRow = { token: string; amount: bigint; outcome: string; reference: string; declineCode: string | null; createdAt: Date };

export class SimulatedGateway implements PaymentGateway {
  private readonly transientFailures = new Map<string, number>();
  private readonly lostAnswerMs: number;
  private readonly outageMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    options: SimulatedGatewayOptions = {},
  ) {
    this.lostAnswerMs = options.lostAnswerMs ?? 90_000;
    this.outageMs = options.outageMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  testCards(): readonly TestCardInfo[] {
    return Object.entries(TEST_CARDS).map(([token, card]) => ({ token, brand: card.brand, last4: card.last4, behaviour: card.behaviour }));
  }

  async tokenize(cardToken: string): Promise<CardDetails> {
    const card = testCard(cardToken);
    return { token: cardToken, brand: card.brand, last4: card.last4 };
  }

  async capture(request: CaptureRequest): Promise<Capture> {
    const card = testCard(request.token);
    if (card.behaviour === 'outage' || card.behaviour === 'lost_answer') {
      const since = this.now() - (await this.firstContact(request.idempotencyKey));
      if (card.behaviour === 'outage' && since < this.outageMs) {
        throw new GatewayUnavailableError(
          `connect ETIMEDOUT: the payment gateway is unreachable (simulated outage, ${Math.ceil((this.outageMs - since) / 1000)} s left)`,
        );
      }
      if (card.behaviour === 'lost_answer' && since < this.lostAnswerMs) {
        // The request reached the gateway and was captured; only its answer is lost on the way back.
        await this.record(request, card);
        throw new GatewayUnavailableError('read ETIMEDOUT: no answer from the payment gateway (simulated lost answer)');
      }
    }
    const prior = await this.db.simulatedCardCapture.findUnique({ where: { idempotencyKey: request.idempotencyKey } });
    if (prior) return this.replay(prior, request);

    if (card.behaviour === 'flaky') {
      const failed = this.transientFailures.get(request.idempotencyKey) ?? 0;
      if (failed < FLAKY_FAILURES) {
        this.transientFailures.set(request.idempotencyKey, failed + 1);
        throw new GatewayUnavailableError(`gateway timeout (simulated, ${failed + 1} of ${FLAKY_FAILURES})`);
      }
    }
    const row = await this.record(request, card);
    const stored = await this.db.simulatedCardCapture.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });
    return this.replay(stored, request, stored.reference !== row.reference);
  }

  async lookupCapture(idempotencyKey: string): Promise<CaptureLookup> {
    const row = await this.db.simulatedCardCapture.findUnique({ where: { idempotencyKey } });
    if (!row) return { status: 'not_found' };
    if (row.outcome === 'declined') return { status: 'declined', declineCode: row.declineCode, reference: row.reference };
    return { status: 'captured', capture: { reference: row.reference, amount: toPoints(row.amount), capturedAt: row.createdAt, replayed: true } };
  }

  async issueVirtualAccount(request: VirtualAccountRequest): Promise<VirtualAccount> {
    const prior = await this.db.simulatedVirtualAccount.findUnique({ where: { chargeId: request.idempotencyKey } });
    if (!prior) {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.db.simulatedVirtualAccount.create({
            data: {
              chargeId: request.idempotencyKey,
              // 14 digits, like the banks' virtual-account ranges.
              accountNumber: `79${String(randomInt(0, 1_000_000)).padStart(6, '0')}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`,
              bank: SIMULATED_VIRTUAL_ACCOUNT_BANK,
              holder: request.holder,
              amount: BigInt(request.amount),
              dueAt: request.dueAt,
              status: 'open',
            },
          });
          break;
        } catch (err) {
          if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
          // Either a concurrent twin issued it (found below) or the random number collided (try another).
          if (await this.db.simulatedVirtualAccount.findUnique({ where: { chargeId: request.idempotencyKey } })) break;
          if (attempt >= 5) throw err;
        }
      }
    }
    const row = await this.db.simulatedVirtualAccount.findUniqueOrThrow({ where: { chargeId: request.idempotencyKey } });
    if (row.amount !== BigInt(request.amount)) {
      throw new BusinessError('idempotency_key_reused', `virtual account key ${request.idempotencyKey} was used for a different amount`);
    }
    return { bank: row.bank, accountNumber: row.accountNumber, holder: row.holder, dueAt: row.dueAt };
  }

  async closeVirtualAccount(idempotencyKey: string): Promise<VirtualAccountClosing> {
    await this.db.simulatedVirtualAccount.updateMany({
      where: { chargeId: idempotencyKey, status: 'open' },
      data: { status: 'closed', closedAt: new Date(this.now()) },
    });
    const row = await this.db.simulatedVirtualAccount.findUnique({ where: { chargeId: idempotencyKey } });
    if (row?.status === 'deposited') return { status: 'deposited', deposit: depositOf(row) };
    return { status: 'closed' };
  }

  /**
   * Sandbox: a business deposits into a virtual account. Accepted only into an open account, before its
   * dueAt, with exactly its amount, once (BusinessError('deposit_refused') otherwise, as the bank would
   * bounce it). The gateway then notifies the service (see gatewayDepositNotification).
   */
  async simulateDeposit(
    accountNumber: string,
    deposit: { amount: number; depositorName?: string | null },
  ): Promise<{ chargeId: string; deposit: VirtualAccountDeposit }> {
    const row = await this.db.simulatedVirtualAccount.findUnique({ where: { accountNumber } });
    if (!row) throw new BusinessError('not_found', `virtual account ${accountNumber} not found`);
    const now = new Date(this.now());
    const refuse = (why: string) =>
      new BusinessError('deposit_refused', `virtual account ${accountNumber} ${why}`, { accountNumber, accountStatus: row.status });
    if (row.status === 'deposited') throw refuse('has already received its deposit');
    if (row.status === 'closed') throw refuse('is closed');
    if (now.getTime() >= row.dueAt.getTime()) throw refuse(`was due by ${row.dueAt.toISOString()}`);
    if (row.amount !== BigInt(deposit.amount)) throw refuse(`accepts exactly ${row.amount} points, not ${deposit.amount}`);
    const taken = await this.db.simulatedVirtualAccount.updateMany({
      where: { accountNumber, status: 'open', dueAt: { gt: now } },
      data: {
        status: 'deposited',
        transactionId: `vtx_${randomBytes(12).toString('base64url')}`,
        depositorName: deposit.depositorName ?? null,
        depositedAt: now,
      },
    });
    const after = await this.db.simulatedVirtualAccount.findUniqueOrThrow({ where: { accountNumber } });
    // A concurrent deposit or the closing won the race: the bank bounces this one.
    if (taken.count !== 1) throw refuse(after.status === 'deposited' ? 'has already received its deposit' : 'is closed');
    return { chargeId: after.chargeId, deposit: depositOf(after) };
  }

  /** When the gateway first heard of this key (persisted: the windows survive a restart). */
  private async firstContact(idempotencyKey: string): Promise<number> {
    const at = new Date(this.now());
    const row = await this.db.simulatedGatewayContact.upsert({ where: { idempotencyKey }, create: { idempotencyKey, firstAt: at }, update: {} });
    return row.firstAt.getTime();
  }

  /** Stores the capture's outcome once per key; a concurrent twin's row wins. */
  private async record(request: CaptureRequest, card: TestCard) {
    const declined = card.behaviour === 'decline';
    const row = {
      idempotencyKey: request.idempotencyKey,
      token: request.token,
      amount: BigInt(request.amount),
      outcome: declined ? 'declined' : 'captured',
      reference: `${declined ? 'dcl' : 'cap'}_${randomBytes(9).toString('base64url')}`,
      declineCode: declined ? 'do_not_honor' : null,
    };
    try {
      await this.db.simulatedCardCapture.create({ data: row });
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
    return row;
  }

  private replay(row: CaptureRow, request: CaptureRequest, replayed = true): Capture {
    if (row.token !== request.token || row.amount !== BigInt(request.amount)) {
      throw new BusinessError('idempotency_key_reused', `capture key ${request.idempotencyKey} was used for a different card or amount`);
    }
    if (row.outcome === 'declined') {
      throw new BusinessError('card_declined', `the card was declined by its issuer (${row.declineCode ?? 'declined'})`, {
        declineCode: row.declineCode,
        gatewayReference: row.reference,
      });
    }
    return { reference: row.reference, amount: toPoints(row.amount), capturedAt: row.createdAt, replayed };
  }
}

export const SIMULATED_VIRTUAL_ACCOUNT_BANK = 'Simulated Bank';

type VirtualAccountRow = { transactionId: string | null; amount: bigint; depositorName: string | null; depositedAt: Date | null };

function depositOf(row: VirtualAccountRow): VirtualAccountDeposit {
  return { transactionId: row.transactionId!, amount: toPoints(row.amount), depositorName: row.depositorName, depositedAt: row.depositedAt! };
}

/** The body of the gateway's deposit notification (what /webhooks/gateway receives). */
export interface GatewayDepositNotification {
  type: 'virtual_account.deposited';
  transactionId: string;
  /** The charge id the account was issued for (the gateway's "order id"). */
  orderId: string;
  accountNumber: string;
  amount: number;
  depositorName: string | null;
  depositedAt: string;
}

export function gatewayDepositNotification(chargeId: string, accountNumber: string, deposit: VirtualAccountDeposit): GatewayDepositNotification {
  return {
    type: 'virtual_account.deposited',
    transactionId: deposit.transactionId,
    orderId: chargeId,
    accountNumber,
    amount: deposit.amount,
    depositorName: deposit.depositorName,
    depositedAt: deposit.depositedAt.toISOString(),
  };
}
