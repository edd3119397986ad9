// Pure rules: workflow ids and their inverse, points arithmetic, the price list. (Rate limits: test/rate-limit.test.ts.)
import { describe, expect, it } from 'vitest';
import { autoRechargeWorkflowId, chargeWorkflowId, consumptionWorkflowId, parseWorkflowId, refundWorkflowId, stepKey } from '../workflows/ids.ts';
import { assertPoints, consumptionAmount, DEFAULT_PRICES, sendable, toPoints } from '../domain/money.ts';
import { ErrorCode, isErrorCode } from '../domain/errors.ts';

describe('workflow ids', () => {
  it('are business ids with a prefix, and parse back', () => {
    const id = '6f1c1f9e-3b0e-4e4c-9d55-0a4b3c2d1e0f';
    expect(chargeWorkflowId(id)).toBe(`charge:${id}`);
    for (const [make, kind] of [
      [chargeWorkflowId, 'charge'],
      [consumptionWorkflowId, 'consumption'],
      [refundWorkflowId, 'refund'],
      [autoRechargeWorkflowId, 'autoRecharge'],
    ] as const) {
      expect(parseWorkflowId(make(id))).toEqual({ kind, id });
    }
    expect(parseWorkflowId('nope')).toBeUndefined();
    expect(parseWorkflowId('other:1')).toBeUndefined();
    expect(parseWorkflowId('charge:')).toBeUndefined();
    expect(stepKey(chargeWorkflowId(id), 'credit')).toBe(`charge:${id}/credit`);
  });
});

describe('points', () => {
  it('are whole, non-negative and bounded', () => {
    expect(assertPoints(0)).toBe(0);
    expect(() => assertPoints(1.5)).toThrow(RangeError);
    expect(() => assertPoints(-1)).toThrow(RangeError);
    expect(toPoints(123n)).toBe(123);
    expect(() => toPoints(2n ** 60n)).toThrow(RangeError);
  });

  it('price a consumption by amount or by item and quantity', () => {
    expect(consumptionAmount({ amount: 500 }, DEFAULT_PRICES)).toEqual({ amount: 500 });
    expect(consumptionAmount({ item: 'lms', quantity: 3 }, DEFAULT_PRICES)).toEqual({ amount: 90, unitPrice: 30 });
    expect(consumptionAmount({ item: 'sms' }, DEFAULT_PRICES)).toEqual({ amount: 9, unitPrice: 9 });
    expect(consumptionAmount({ item: 'fax', quantity: 1 }, DEFAULT_PRICES)).toEqual({ error: 'unknown_item' });
    expect(consumptionAmount({}, DEFAULT_PRICES)).toEqual({ error: 'missing_amount' });
  });

  it('show how many of each item a balance still pays for', () => {
    expect(sendable(15_000, DEFAULT_PRICES)).toEqual({ sms: 1666, lms: 500, mms: 250, alimtalk: 1875 });
    expect(sendable(0, DEFAULT_PRICES)).toEqual({ sms: 0, lms: 0, mms: 0, alimtalk: 0 });
  });
});

describe('error codes', () => {
  it('map to the statuses of the spec', () => {
    expect(ErrorCode.insufficient_balance).toBe(402);
    expect(ErrorCode.idempotency_key_reused).toBe(409);
    expect(ErrorCode.refund_exceeds_consumption).toBe(422);
    expect(isErrorCode('invalid_state')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});
