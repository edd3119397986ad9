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
  isTerminalChargeStatus,
  rejectChargeUpdate,
  type CancelChargeInput,
  type ChargeInput,
  type ChargeSnapshot,
  type ConfirmDepositInput,
  type RejectChargeInput,
} from './definitions.ts';

export type Decision =
  | { kind: 'confirm'; input: ConfirmDepositInput }
  | { kind: 'reject'; input: RejectChargeInput }
  | { kind: 'cancel'; input: CancelChargeInput }
  | { kind: 'expire' };

type PersonDecision = Exclude<Decision, { kind: 'expire' }>;

const PROGRESS: Record<Decision['kind'], string> = {
  confirm: 'being confirmed',
  reject: 'being rejected',
  cancel: 'being cancelled',
  expire: 'expiring',
};

const OUTCOME = { confirm: 'succeeded', reject: 'rejected', cancel: 'cancelled' } as const;

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
  }

  /** A card charge's outcome (within `waitMs` if given), or a waiting charge once it was recorded. */
  private async accepted(waitMs?: number): Promise<ChargeSnapshot> {
    if (this.input.method !== 'card') await condition(() => this.opened || this.terminal);
    else if (waitMs === undefined) await condition(() => this.terminal);
    else await condition(() => this.terminal, waitMs);
    return this.snapshot;
  }

  /**
   * Whether `next` may be taken now. The same decision again is allowed (it answers the same outcome);
   * a different one after the charge was claimed or closed is invalid_state, and so is a confirmation
   * of another deposited amount than the one already confirmed.
   */
  checkDecision(next: PersonDecision): void {
    const id = this.input.chargeId;
    if (this.input.method === 'card') throw invalidState(`a card charge takes no ${next.kind}`);
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

  /** Claims the charge for `next` (synchronously) and waits until the main flow has applied it. */
  async takeDecision(next: PersonDecision): Promise<ChargeSnapshot> {
    this.checkDecision(next);
    this.decision ??= next;
    await condition(() => this.terminal);
    if (this.snapshot.status !== OUTCOME[next.kind]) throw invalidState(`charge ${this.input.chargeId} is ${this.snapshot.status}`);
    return this.snapshot;
  }

  /** Waits up to `ms` of workflow time for a person's decision; true when one arrived. */
  waitForDecision(ms: number): Promise<boolean> {
    return condition(() => this.decision !== undefined, ms);
  }
}
