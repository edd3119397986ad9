// The charge workflow's message handlers and decision state, apart from its main flow (the shape of
// Temporal's safe-message-handlers sample). A decision (confirm, reject, cancel) arrives as an update:
// `checkDecision` (the update's validator, and again in the handler) refuses what cannot be taken now;
// `takeDecision` claims the charge synchronously, before any other update runs, so racing decisions end
// in exactly one outcome, then waits until the main flow has applied it.
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { MAX_POINTS } from '../../domain/money.ts';
import {
  awaitAcceptedUpdate,
  awaitAcceptedWithinUpdate,
  cancelChargeUpdate,
  chargeStateQuery,
  confirmDepositUpdate,
  depositNotifiedUpdate,
  isTerminalChargeStatus,
  rejectChargeUpdate,
  type CancelChargeInput,
  type ChargeInput,
  type ChargeSnapshot,
  type ConfirmDepositInput,
  type DepositNotifiedInput,
  type RejectChargeInput,
} from './definitions.ts';

export type Decision =
  | { kind: 'confirm'; input: ConfirmDepositInput }
  | { kind: 'reject'; input: RejectChargeInput }
  | { kind: 'cancel'; input: CancelChargeInput }
  | { kind: 'deposit'; input: DepositNotifiedInput }
  | { kind: 'expire' };

type PersonDecision = Exclude<Decision, { kind: 'expire' }>;

const PROGRESS: Record<Decision['kind'], string> = {
  confirm: 'being confirmed',
  reject: 'being rejected',
  cancel: 'being cancelled',
  deposit: 'being credited',
  expire: 'expiring',
};

const OUTCOME = { confirm: 'succeeded', reject: 'rejected', cancel: 'cancelled', deposit: 'succeeded' } as const;

/** Which methods take which person's (or gateway's) decision. */
const TAKES: Record<PersonDecision['kind'], readonly string[]> = {
  confirm: ['bank_transfer'],
  reject: ['bank_transfer'],
  cancel: ['bank_transfer', 'virtual_account'],
  deposit: ['virtual_account'],
};

export function invalidState(message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type: 'invalid_state', message, nonRetryable: true, details: details ? [details] : undefined });
}

function validationError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'validation_error', message, nonRetryable: true });
}

export class ChargeState {
  snapshot: ChargeSnapshot;
  /** Set only by the main flow, once the read model has recorded the charge as waiting for a decision. */
  opened = false;
  decision: Decision | undefined;
  /** Virtual accounts: the gateway transaction that was credited (set by the main flow). */
  creditedTransactionId: string | undefined;

  constructor(private readonly input: ChargeInput) {
    this.snapshot = {
      chargeId: input.chargeId,
      status: 'pending',
      method: input.method,
      amount: input.amount,
      depositedAmount: null,
      creditedAmount: null,
      failureCode: null,
      failureReason: null,
      processingStartsAt: null,
      expectedBy: null,
      expiresAt: null,
    };
  }

  get terminal(): boolean {
    return isTerminalChargeStatus(this.snapshot.status);
  }

  /** Registers the query and the updates; call once, first thing in the workflow. */
  register(): void {
    setHandler(chargeStateQuery, () => this.snapshot);
    setHandler(awaitAcceptedUpdate, () => this.accepted());
    setHandler(awaitAcceptedWithinUpdate, (req) => this.accepted(Number.isFinite(req?.waitMs) && req.waitMs > 0 ? req.waitMs : undefined));
    setHandler(confirmDepositUpdate, (req) => this.takeDecision({ kind: 'confirm', input: req }), {
      validator: (req) => {
        if (!Number.isSafeInteger(req?.depositedAmount) || req.depositedAmount <= 0 || req.depositedAmount > MAX_POINTS) {
          throw validationError('depositedAmount must be a positive whole number of points');
        }
        this.checkDecision({ kind: 'confirm', input: req });
      },
    });
    setHandler(rejectChargeUpdate, (req) => this.takeDecision({ kind: 'reject', input: req }), {
      validator: (req) => {
        if (typeof req?.reason !== 'string' || req.reason.trim() === '') throw validationError('a rejection needs a reason');
        this.checkDecision({ kind: 'reject', input: req });
      },
    });
    setHandler(cancelChargeUpdate, (req) => this.takeDecision({ kind: 'cancel', input: req ?? {} }), {
      validator: (req) => this.checkDecision({ kind: 'cancel', input: req ?? {} }),
    });
    setHandler(depositNotifiedUpdate, (req) => this.takeDecision({ kind: 'deposit', input: req }), {
      validator: (req) => {
        if (typeof req?.transactionId !== 'string' || req.transactionId === '') throw validationError('a deposit notification needs a transactionId');
        if (!Number.isSafeInteger(req.amount) || req.amount <= 0) throw validationError('amount must be a positive whole number of points');
        if (typeof req.depositedAt !== 'string' || Number.isNaN(Date.parse(req.depositedAt))) throw validationError('depositedAt must be an ISO instant');
        this.checkDecision({ kind: 'deposit', input: req });
      },
    });
  }

  /** A card charge's outcome (within `waitMs` if given), or a waiting charge once it was recorded. */
  private async accepted(waitMs?: number): Promise<ChargeSnapshot> {
    // A bank transfer answers once recorded; a card once its outcome is known; a virtual account once
    // the gateway issued it. Card and virtual account depend on the gateway, so they answer as they stand
    // (pending) after `waitMs`.
    const answered = () => (this.input.method === 'card' ? this.terminal : this.opened || this.terminal);
    if (this.input.method === 'bank_transfer' || waitMs === undefined) await condition(answered);
    else await condition(answered, waitMs);
    return this.snapshot;
  }

  /**
   * Whether `next` may be taken now. The same decision again is allowed (it answers the same outcome);
   * a different one after the charge was claimed or closed is invalid_state, and so is a confirmation
   * of another deposited amount than the one already confirmed.
   */
  checkDecision(next: PersonDecision): void {
    const id = this.input.chargeId;
    if (!TAKES[next.kind].includes(this.input.method)) throw invalidState(`a ${this.input.method} charge takes no ${next.kind}`);
    if (next.kind === 'deposit') return this.checkDeposit(next.input);
    const taken = this.decision;
    if (taken) {
      if (taken.kind !== next.kind) throw invalidState(`charge ${id} is ${this.terminal ? this.snapshot.status : PROGRESS[taken.kind]}`);
      if (taken.kind === 'confirm' && next.kind === 'confirm' && taken.input.depositedAmount !== next.input.depositedAmount) {
        const confirmed = taken.input.depositedAmount;
        throw invalidState(`charge ${id} was confirmed with a deposit of ${confirmed} points, not ${next.input.depositedAmount}`, {
          depositedAmount: confirmed,
          requestedDepositedAmount: next.input.depositedAmount,
        });
      }
      return;
    }
    if (this.terminal) throw invalidState(`charge ${id} is ${this.snapshot.status}`);
    if (!this.opened) throw invalidState(`charge ${id} is not awaiting a deposit yet`);
  }

  /**
   * A deposit notification. It claims an open charge like any decision. Against a charge already being
   * closed (cancel or expiry) it is let through to wait: closing asks the gateway, which settles the race
   * (a deposit that arrived first is credited instead), and the notification answers the outcome. The
   * same transaction again answers the same outcome; another one, or another amount, is invalid_state.
   */
  private checkDeposit(next: DepositNotifiedInput): void {
    const id = this.input.chargeId;
    if (next.amount !== this.input.amount) {
      throw invalidState(`the virtual account of charge ${id} accepts exactly ${this.input.amount} points, not ${next.amount}`, { amount: this.input.amount });
    }
    const taken = this.decision;
    const credited = this.creditedTransactionId;
    if (this.terminal) {
      if (this.snapshot.status === 'succeeded' && credited === next.transactionId) return;
      throw invalidState(`charge ${id} is ${this.snapshot.status}`, { currentStatus: this.snapshot.status });
    }
    if (taken?.kind === 'deposit' && taken.input.transactionId !== next.transactionId) {
      throw invalidState(`charge ${id} is being credited by another deposit (${taken.input.transactionId})`);
    }
    if (!taken && !this.opened) throw invalidState(`charge ${id} is not awaiting a deposit yet`);
  }

  /** Claims the charge for `next` (synchronously) and waits until the main flow has applied it. */
  async takeDecision(next: PersonDecision): Promise<ChargeSnapshot> {
    this.checkDecision(next);
    this.decision ??= next;
    await condition(() => this.terminal);
    if (this.snapshot.status !== OUTCOME[next.kind])
      throw invalidState(`charge ${this.input.chargeId} is ${this.snapshot.status}`, { currentStatus: this.snapshot.status });
    if (next.kind === 'deposit' && this.creditedTransactionId !== next.input.transactionId) {
      throw invalidState(`charge ${this.input.chargeId} was credited by another deposit (${this.creditedTransactionId})`);
    }
    return this.snapshot;
  }

  /** Waits up to `ms` of workflow time for a person's decision; true when one arrived. */
  waitForDecision(ms: number): Promise<boolean> {
    return condition(() => this.decision !== undefined, ms);
  }
}
