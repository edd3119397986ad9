// The pure webhook rules: the signature header's form, event-type filters, delivery ids, and the
// Korean-first text of every admin notification.
import { describe, expect, it } from 'vitest';
import {
  adminNotificationText,
  endpointWants,
  isWebhookEventType,
  signatureHeader,
  signedPayload,
  webhookDeliveryWorkflowId,
  deliveryKey,
  adminDeliveryKey,
} from '../domain/webhooks.ts';

describe('webhook rules', () => {
  it('the header is t then one v1 per secret, newest first; the signed string is "<t>.<body>"', () => {
    expect(signatureHeader(1700000000, ['aa', 'bb'])).toBe('t=1700000000,v1=aa,v1=bb');
    expect(signedPayload(12, '{"a":1}')).toBe('12.{"a":1}');
  });

  it('an empty event list means every type; otherwise only the listed ones', () => {
    expect(endpointWants([], 'balance.low')).toBe(true);
    expect(endpointWants(['charge.succeeded'], 'balance.low')).toBe(false);
    expect(endpointWants(['charge.succeeded', 'balance.low'], 'balance.low')).toBe(true);
    expect(isWebhookEventType('bank_deposit.unmatched')).toBe(true);
    expect(isWebhookEventType('charge.exploded')).toBe(false);
  });

  it('delivery workflow ids are built from the event and the endpoint', () => {
    expect(webhookDeliveryWorkflowId(deliveryKey('e1', 'p1'))).toBe('webhook-delivery:e1:p1');
    expect(webhookDeliveryWorkflowId(adminDeliveryKey(42n))).toBe('webhook-delivery:admin:42');
  });

  it.each([
    [
      'charge_confirmation_overdue',
      { amount: 1_234_000, depositorName: '홍길동', expectedBy: '2026-12-01T00:30:00.000Z' },
      /^\[입금 확인 지연\] 충전 s1: 1,234,000원, 입금자 홍길동, 확인 기한 2026-12-01 09:30 KST 경과 · 계정 a1\nDeposit confirmation overdue/,
    ],
    [
      'refund_review_reminder',
      { amount: 300, reason: 'other', reviewDueAt: '2026-12-02T09:00:00.000Z' },
      /^\[환불 검토 요청\] 환불 s1: 300원 \(other\), 검토 기한 2026-12-02 18:00 KST/,
    ],
    ['refund_review_overdue', { amount: 300, reason: 'wrong_service' }, /^\[환불 검토 지연\] 환불 s1: 300원 \(wrong_service\)/],
    ['auto_recharge_disabled', { consecutiveFailures: 3, failureCode: 'card_declined' }, /^\[자동 충전 중지\] 계정 s1: 연속 3회 실패 \(card_declined\)/],
    ['bank_deposit_unmatched', { amount: 77_000, depositorName: '(주)가나다' }, /^\[미확인 입금\] 입금 s1: 77,000원, 입금자 \(주\)가나다/],
    ['something_new', { x: 1 }, /^\[관리자 알림\] something_new: s1 · 계정 a1\n\{"x":1\}/],
  ])('admin event %s reads Korean first', (type, data, text) => {
    expect(adminNotificationText({ type, subjectId: 's1', accountId: 'a1', data })).toMatch(text);
  });
});
