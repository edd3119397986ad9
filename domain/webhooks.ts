// Webhooks (SPEC §6.3), the pure part: event types, the signature scheme, the delivery's retry schedule and
// the readable text of admin notifications. Pure: imported by workflows, activities and the API.
//
// Signature: `Points-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the
// endpoint's secret (the whole `whsec_…` string as UTF-8). During a rotation's overlap one `v1=` per live
// secret follows, the newest first; a receiver accepts the delivery when any of them matches.

export const WEBHOOK_EVENT_TYPES = [
  'charge.awaiting_deposit',
  'charge.succeeded',
  'charge.failed',
  'charge.expired',
  'charge.cancelled',
  'charge.rejected',
  'refund.succeeded',
  'refund.rejected',
  'balance.low',
  'balance.recovered',
  'auto_recharge.disabled',
  'bank_deposit.unmatched',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

export const SIGNATURE_HEADER = 'Points-Signature';

/** The string signed for one attempt: `<t>.<raw body>`. */
export const signedPayload = (t: number, body: string) => `${t}.${body}`;

/** The header value from the timestamp and the hex signatures (newest secret first). */
export function signatureHeader(t: number, signatures: string[]): string {
  return [`t=${t}`, ...signatures.map((s) => `v1=${s}`)].join(',');
}

/** Whether an endpoint receives an event type (an empty list means every type). */
export const endpointWants = (events: readonly string[], type: string) => events.length === 0 || events.includes(type);

export const webhookDeliveryWorkflowType = 'webhookDeliveryWorkflow';
export const WEBHOOK_DELIVERY_PREFIX = 'webhook-delivery';
/** The workflow of one delivery: `webhook-delivery:<eventId>:<endpointId>` (or a redelivery's, or `…:admin:<n>`). */
export const webhookDeliveryWorkflowId = (deliveryKey: string) => `${WEBHOOK_DELIVERY_PREFIX}:${deliveryKey}`;
export const deliveryKey = (eventId: string, endpointId: string) => `${eventId}:${endpointId}`;
export const adminDeliveryKey = (adminEventId: bigint | string) => `admin:${adminEventId}`;

/** How a delivery retries: Temporal's activity retry policy, so retries add no history. */
export interface DeliverySchedule {
  /** Timeout of one HTTP attempt. */
  attemptTimeoutMs: number;
  /** First wait after a failed attempt; doubles each time up to `maximumIntervalMs`. */
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** Given up (failed) this long after the first attempt. */
  giveUpAfterMs: number;
}

export const DEFAULT_DELIVERY_SCHEDULE: DeliverySchedule = {
  attemptTimeoutMs: 10_000,
  initialIntervalMs: 10_000,
  maximumIntervalMs: 60 * 60_000,
  giveUpAfterMs: 3 * 24 * 60 * 60_000,
};

export interface WebhookDeliveryInput {
  deliveryId: string;
  schedule: DeliverySchedule;
}

export interface WebhookDeliveryResult {
  deliveryId: string;
  status: 'succeeded' | 'failed';
  statusCode?: number | null;
  reason?: string | null;
}

export type WebhookDeliveryWorkflow = (input: WebhookDeliveryInput) => Promise<WebhookDeliveryResult>;

/** Error types of a delivery attempt that end the retries at once. */
export const DeliveryRefusal = {
  endpointDeleted: 'webhook_endpoint_deleted',
  notConfigured: 'admin_webhook_not_configured',
  unknownDelivery: 'webhook_delivery_unknown',
} as const;

/** Whole points with thousands separators, e.g. 50,000. */
const won = (n: unknown) => (typeof n === 'number' ? `${n.toLocaleString('en-US')}원` : '?');

const kst = (iso: unknown) => {
  if (typeof iso !== 'string') return '?';
  const d = new Date(new Date(iso).getTime() + 9 * 3_600_000);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} KST`;
};

/**
 * The Slack-compatible text of an admin event, Korean first with the English below. Unknown types still
 * read sensibly (their type and data).
 */
export function adminNotificationText(e: { type: string; subjectId: string; accountId?: string | null; data?: Record<string, unknown> | null }): string {
  const d = e.data ?? {};
  const account = e.accountId ? ` · 계정 ${e.accountId}` : '';
  switch (e.type) {
    case 'charge_confirmation_overdue':
      return `[입금 확인 지연] 충전 ${e.subjectId}: ${won(d.amount)}, 입금자 ${d.depositorName ?? '-'}, 확인 기한 ${kst(d.expectedBy)} 경과${account}\nDeposit confirmation overdue for charge ${e.subjectId}.`;
    case 'refund_review_reminder':
      return `[환불 검토 요청] 환불 ${e.subjectId}: ${won(d.amount)} (${d.reason ?? '-'}), 검토 기한 ${kst(d.reviewDueAt)}${account}\nRefund ${e.subjectId} is waiting for review.`;
    case 'refund_review_overdue':
      return `[환불 검토 지연] 환불 ${e.subjectId}: ${won(d.amount)} (${d.reason ?? '-'}), 검토 기한 경과${account}\nRefund review overdue for ${e.subjectId}.`;
    case 'auto_recharge_disabled':
      return `[자동 충전 중지] 계정 ${e.subjectId}: 연속 ${d.consecutiveFailures ?? '?'}회 실패 (${d.failureCode ?? '-'})\nAuto-recharge switched off for account ${e.subjectId} after repeated failures.`;
    case 'bank_deposit_unmatched':
      return `[미확인 입금] 입금 ${e.subjectId}: ${won(d.amount)}, 입금자 ${d.depositorName ?? '-'} — 충전 요청에 배정해 주세요\nUnmatched bank deposit ${e.subjectId}: assign it to a charge.`;
    default:
      return `[관리자 알림] ${e.type}: ${e.subjectId}${account}\n${JSON.stringify(d)}`;
  }
}
