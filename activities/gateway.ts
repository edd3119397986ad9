// The payment-gateway port and the simulated gateway that runs by default (SPEC §4).
//
// Test tokens: `tok_visa` succeeds, `tok_mastercard` succeeds, `tok_declined` is declined, `tok_flaky`
// fails transiently twice (per capture idempotency key) and then succeeds. Anything else is not a card.
//
// Idempotency: every capture carries an idempotency key (the charge id). The simulated gateway keeps its
// outcomes in PostgreSQL (SimulatedCardCapture, keyed by that key), not in memory: a capture whose answer
// was lost when a worker crashed is retried by Temporal with the same key and gets the first capture back,
// so the card is never captured twice, whichever worker process retries. A decline is recorded the same
// way. Only the transient-failure counter of `tok_flaky` lives in memory (per gateway instance): it is a
// test behaviour, and forgetting it on restart merely fails twice more.
import { randomBytes } from 'node:crypto';
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

export interface PaymentGateway {
  /** Describes a card token (brand, last 4). Unknown tokens: BusinessError('validation_error'). */
  tokenize(cardToken: string): Promise<CardDetails>;
  /**
   * Captures `amount` on the card, once per idempotency key. A decline is BusinessError('card_declined')
   * (not retryable); an unreachable gateway is a GatewayUnavailableError (retryable).
   */
  capture(request: CaptureRequest): Promise<Capture>;
  /** A sandbox gateway's test cards (pages offer them in test mode); absent on a live gateway. */
  testCards?(): readonly TestCardInfo[];
}

/** A sandbox card token and what the gateway does with it. */
export interface TestCardInfo {
  token: string;
  brand: string;
  last4: string;
  behaviour: string;
}

/** A transient gateway failure (timeout, 5xx): the caller retries with the same idempotency key. */
export class GatewayUnavailableError extends Error {
  constructor(message = 'the payment gateway is temporarily unavailable') {
    super(message);
    this.name = 'GatewayUnavailableError';
  }
}

type TestCard = { brand: string; last4: string; behaviour: 'succeed' | 'decline' | 'flaky' };

export const TEST_CARDS: Readonly<Record<string, TestCard>> = Object.freeze({
  tok_visa: { brand: 'visa', last4: '4242', behaviour: 'succeed' },
  tok_mastercard: { brand: 'mastercard', last4: '4444', behaviour: 'succeed' },
  tok_declined: { brand: 'visa', last4: '0002', behaviour: 'decline' },
  tok_flaky: { brand: 'visa', last4: '1881', behaviour: 'flaky' },
});

export const FLAKY_FAILURES = 2;

function testCard(token: string): TestCard {
  const card = Object.prototype.hasOwnProperty.call(TEST_CARDS, token) ? TEST_CARDS[token] : undefined;
  if (!card) {
    throw new BusinessError('validation_error', `cardToken: unknown card token; the simulated gateway accepts ${Object.keys(TEST_CARDS).join(', ')}`, {
      errors: [{ path: 'cardToken', message: 'unknown card token' }],
    });
  }
  return card;
}

export class SimulatedGateway implements PaymentGateway {
  private readonly transientFailures = new Map<string, number>();

  constructor(private readonly db: Db) {}

  testCards(): readonly TestCardInfo[] {
    return Object.entries(TEST_CARDS).map(([token, card]) => ({ token, brand: card.brand, last4: card.last4, behaviour: card.behaviour }));
  }

  async tokenize(cardToken: string): Promise<CardDetails> {
    const card = testCard(cardToken);
    return { token: cardToken, brand: card.brand, last4: card.last4 };
  }

  async capture(request: CaptureRequest): Promise<Capture> {
    const prior = await this.db.simulatedCardCapture.findUnique({ where: { idempotencyKey: request.idempotencyKey } });
    if (prior) return this.replay(prior, request);

    const card = testCard(request.token);
    if (card.behaviour === 'flaky') {
      const failed = this.transientFailures.get(request.idempotencyKey) ?? 0;
      if (failed < FLAKY_FAILURES) {
        this.transientFailures.set(request.idempotencyKey, failed + 1);
        throw new GatewayUnavailableError(`gateway timeout (simulated, ${failed + 1} of ${FLAKY_FAILURES})`);
      }
    }
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
      // A concurrent twin with the same key won: answer its outcome.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
    const stored = await this.db.simulatedCardCapture.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });
    return this.replay(stored, request, stored.reference !== row.reference);
  }

  private replay(row: { token: string; amount: bigint; outcome: string; reference: string; declineCode: string | null; createdAt: Date }, request: CaptureRequest, replayed = true): Capture {
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
