// The OpenAPI 3.1 description of the HTTP contract, served at /openapi.json, and a self-contained page at
// /docs that renders it (no external assets: the service runs offline). Generated, not restated: request
// schemas come from the routes' zod validators, response schemas from the views' zod schemas (the same ones
// API tests validate real responses against), the error codes from domain/errors.ts, and the price-list
// items and charge limits from the configuration. What is written here is the summary of each operation
// and which answers it gives.
import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config/config.ts';
import { REFUND_REASONS } from '../workflows/refund/definitions.ts';
import { Contract } from './contract.ts';
import { Id } from './schemas.ts';
import { ProblemView } from './views/problem.ts';
import { AccountView, AutoRechargeView, BalanceAlertsView, balanceViewFor, CreatedAccountView, LedgerEntryView, PaymentMethodView } from './views/account.ts';
import { BankAccountView, ChargeView, LinkChargeView, TaxDocumentView, VirtualAccountView } from './views/charge.ts';
import { ChargeLinkView, payLinkViewFor } from './views/charge-link.ts';
import { RefundView } from './views/refund.ts';
import { ConsumptionBatchResultsView, ConsumptionCreatedView, ConsumptionView } from './views/consumption.ts';
import { BankDepositView } from './views/deposit.ts';
import {
  AdminNotificationView,
  WebhookDeliveryView,
  WebhookEndpointView,
  WebhookEndpointWithSecretView,
  WebhookEventType,
  WebhookEventView,
} from './views/webhook.ts';
import { AdminDecisionView, AdminEventView } from './views/admin.ts';
import { CancelCharge, ChargeListQuery, ConfirmDeposit, CreateCharge, RejectCharge } from './routes/charges/validators.ts';
import { CreateAccount, LedgerQuery, UpdateAccount } from './routes/accounts/validators.ts';
import { PutAlerts } from './routes/balance-alerts/validators.ts';
import { CreatePaymentMethod } from './routes/payment-methods/validators.ts';
import { putAutoRecharge } from './routes/auto-recharge/validators.ts';
import { BankTopUp, CardTopUp, CreateLink, VirtualAccountTopUp } from './routes/charge-links/validators.ts';
import { AccountNumber, Assign, BankDepositBody, BankDepositListQuery, GatewayNotification, SandboxDeposit } from './routes/deposits/validators.ts';
import { CreateEndpoint, DeliveriesQuery, Redeliver, Rotate } from './routes/webhooks/validators.ts';
import { DecisionsQuery, EventsQuery } from './routes/admin/validators.ts';
import { ApproveRefund, CreateRefund, RefundListQuery, RejectRefund } from './routes/refunds/validators.ts';
import { consumptionBatchShapes, createConsumptionShapes } from './routes/consumptions/validators.ts';
import { BANK_SIGNATURE_HEADER, GATEWAY_SIGNATURE_HEADER } from './routes/deposits/helpers.ts';

type Json = Record<string, unknown>;
/** An answer: a description and the schema of its body (none for 204 or a page), or a problem's description. */
type Answer = string | [description: string, schema?: z.ZodType, contentType?: string];

interface Operation {
  summary: string;
  /** Outside /v1's Bearer auth (pages, webhooks, operations). */
  open?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: Json[];
  body?: z.ZodType;
  /** The body may be left out ({} is used). */
  optionalBody?: boolean;
  /** A browser's form post is accepted too (charge-link pages). */
  forms?: boolean;
  responses: Record<string, Answer>;
}

const IdParams = z.object({ id: Id });
const TokenParams = z.object({ token: z.string() });
const IDEMPOTENCY_KEY = { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } };
const OPTIONAL_IDEMPOTENCY_KEY = { ...IDEMPOTENCY_KEY, required: false, description: 'or the form field idempotencyKey' };
const signature = (name: string, secret: string) => ({
  name,
  in: 'header',
  required: true,
  description: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with ${secret}>; accepted within 5 minutes`,
  schema: { type: 'string' },
});
/** The answers every authenticated /v1 operation may give. */
const COMMON: Record<string, Answer> = {
  '400': 'validation_error',
  '401': 'unauthorized',
  '404': "not_found (also for another tenant's resources)",
  '429': 'rate_limited',
  '503': 'service_unavailable: Temporal or the database did not answer in time (Retry-After); retry with the same Idempotency-Key',
};
const page = (key: string, item: z.ZodType) => z.object({ [key]: z.array(item), nextCursor: z.string().nullable() });
const list = (key: string, item: z.ZodType) => z.object({ [key]: z.array(item) });

/** The contract of this configuration (price list, charge limits). */
export function openApiDocument(config: Config) {
  const c = new Contract();
  const items = Object.keys(config.prices);
  const ItemName = items.length ? z.enum(items as [string, ...string[]]) : z.string();

  // Named response schemas (components).
  const Problem = c.component('Problem', ProblemView);
  const Account = c.component('Account', AccountView);
  const CreatedAccount = c.component('CreatedAccount', CreatedAccountView);
  const Balance = c.component('Balance', balanceViewFor(config.prices));
  const LedgerEntry = c.component('LedgerEntry', LedgerEntryView);
  const PaymentMethod = c.component('PaymentMethod', PaymentMethodView);
  const AutoRecharge = c.component('AutoRecharge', AutoRechargeView);
  const BalanceAlerts = c.component('BalanceAlerts', BalanceAlertsView);
  c.component('BankAccount', BankAccountView);
  c.component('VirtualAccount', VirtualAccountView);
  c.component('TaxDocument', TaxDocumentView);
  const Charge = c.component('Charge', ChargeView);
  const LinkCharge = c.component('LinkCharge', LinkChargeView);
  const ChargeLink = c.component('ChargeLink', ChargeLinkView);
  const Refund = c.component('Refund', RefundView);
  const Consumption = c.component('Consumption', ConsumptionView);
  const ConsumptionCreated = c.component('ConsumptionCreated', ConsumptionCreatedView);
  const BankDeposit = c.component('BankDeposit', BankDepositView);
  c.component('WebhookEventType', WebhookEventType);
  const WebhookEndpoint = c.component('WebhookEndpoint', WebhookEndpointView);
  const WebhookEndpointWithSecret = c.component('WebhookEndpointWithSecret', WebhookEndpointWithSecretView);
  const WebhookEvent = c.component('WebhookEvent', WebhookEventView);
  const WebhookDelivery = c.component('WebhookDelivery', WebhookDeliveryView);
  const AdminNotification = c.component('AdminNotification', AdminNotificationView);
  const AdminEvent = c.component('AdminEvent', AdminEventView);
  const AdminDecision = c.component('AdminDecision', AdminDecisionView);
  const PriceList = c.component('PriceList', z.object({ items: z.array(z.object({ item: ItemName, unitPrice: z.number().int().positive() })) }));
  const PayLink = c.component('PayLink', payLinkViewFor(config.prices));
  const Json = z.looseObject({});

  const operation = (op: Operation): Json => {
    const parameters = [...(op.params ? c.parameters('path', op.params) : []), ...(op.query ? c.parameters('query', op.query) : []), ...(op.headers ?? [])];
    const responses: Json = {};
    // Every request with an Idempotency-Key may be 409 idempotency_key_reused (the same key, another body).
    const reused: Record<string, Answer> = op.headers?.some((h) => h.name === IDEMPOTENCY_KEY.name) ? { '409': 'idempotency_key_reused' } : {};
    for (const [status, answer] of Object.entries({ ...op.responses, ...(op.open ? {} : COMMON), ...reused, ...op.responses })) {
      if (typeof answer === 'string') {
        responses[status] = { description: answer, content: { 'application/problem+json': { schema: c.json(Problem) } } };
      } else {
        const [description, schema, type = 'application/json'] = answer;
        responses[status] = schema
          ? { description, content: { [type]: { schema: c.json(schema) } } }
          : { description, ...(type !== 'application/json' ? { content: { [type]: {} } } : {}) };
      }
    }
    return {
      summary: op.summary,
      ...(op.open ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.optionalBody,
              content: { 'application/json': { schema: c.json(op.body, 'input') }, ...(op.forms ? { 'application/x-www-form-urlencoded': {} } : {}) },
            },
          }
        : {}),
      responses,
    };
  };

  // A consumption is an amount, or an item of this price list; a batch item is the same with its key.
  const ConsumptionItem = ItemName.describe('an item of GET /v1/prices');
  const CreateConsumption = createConsumptionShapes(ConsumptionItem);
  const ConsumptionBatch = consumptionBatchShapes(ConsumptionItem);
  const ConsumptionBatchResults = c.component('ConsumptionBatchResults', ConsumptionBatchResultsView);

  const ops: Record<string, Record<string, Operation>> = {
    '/v1/accounts': {
      post: {
        summary:
          'Create an account (admin; a partner only with parentId = itself). Returns its API key once. taxDocument tax_invoice and cash_receipt need businessRegistrationNumber.',
        body: CreateAccount,
        responses: { '201': ['created', CreatedAccount], '403': 'forbidden' },
      },
    },
    '/v1/accounts/{id}': {
      get: { summary: 'The account', params: IdParams, responses: { '200': ['the account', Account] } },
      patch: { summary: 'Change the name or the tax-document settings', params: IdParams, body: UpdateAccount, responses: { '200': ['the account', Account] } },
    },
    '/v1/accounts/{id}/balance': {
      get: {
        summary: 'Balance of the funding account, pending charges and sendable counts per price-list item',
        params: IdParams,
        responses: { '200': ['balance', Balance] },
      },
    },
    '/v1/accounts/{id}/ledger': {
      get: { summary: 'Ledger entries, newest first', params: IdParams, query: LedgerQuery, responses: { '200': ['a page', page('entries', LedgerEntry)] } },
    },
    '/v1/accounts/{id}/payment-methods': {
      post: { summary: 'Store a card by gateway token', params: IdParams, body: CreatePaymentMethod, responses: { '201': ['stored', PaymentMethod] } },
    },
    '/v1/accounts/{id}/auto-recharge': {
      get: {
        summary: 'Auto-recharge settings and state (failures in a row, why it was switched off, charged this month)',
        params: IdParams,
        responses: { '200': ['the settings', AutoRecharge] },
      },
      put: {
        summary:
          'Set auto-recharge: when a debit leaves the funding balance below threshold, one card charge of amount on the stored card starts. Not for a parent-billed account (409 invalid_state). Saving resets the failure count.',
        params: IdParams,
        body: putAutoRecharge(config.chargeLimits),
        responses: { '200': ['saved', AutoRecharge], '409': 'invalid_state (parent-billed account)' },
      },
    },
    '/v1/accounts/{id}/balance-alerts': {
      get: { summary: 'Balance alert thresholds of a funding account', params: IdParams, responses: { '200': ['thresholds', BalanceAlerts] } },
      put: {
        summary:
          'Set balance alert thresholds: crossing one downwards emits balance.low once, coming back to or above it emits balance.recovered. Not for a parent-billed account (409 invalid_state).',
        params: IdParams,
        body: PutAlerts,
        responses: { '200': ['saved', BalanceAlerts], '409': 'invalid_state (parent-billed account)' },
      },
    },
    '/v1/charges': {
      post: {
        summary:
          'Open a charge (top-up). card (with paymentMethodId): 201 when finished. bank_transfer (optional depositorName): 202 awaiting deposit, with bankAccount, processingStartsAt, expectedBy, expiresAt. virtual_account: 202 awaiting_deposit with virtualAccount {bank, accountNumber, holder, dueAt}.',
        headers: [IDEMPOTENCY_KEY],
        body: CreateCharge,
        responses: {
          '201': ['card charge finished', Charge],
          '202': ['awaiting deposit, or a card charge whose outcome is not known yet', Charge],
          '409': 'invalid_state or idempotency_key_reused',
          '422': 'amount_below_minimum, amount_above_maximum, card_declined, payment_failed',
        },
      },
      get: {
        summary: 'List charges (admin: all; the awaiting_deposit queue oldest first, everything else newest first)',
        query: ChargeListQuery,
        responses: { '200': ['a page', page('charges', Charge)] },
      },
    },
    '/v1/charges/{id}': { get: { summary: 'A charge with its timeline', params: IdParams, responses: { '200': ['the charge', Charge] } } },
    '/v1/charges/{id}/cancel': {
      post: {
        summary: 'Cancel while awaiting_deposit',
        params: IdParams,
        body: CancelCharge,
        optionalBody: true,
        responses: { '200': ['cancelled', Charge], '409': 'invalid_state' },
      },
    },
    '/v1/charges/{id}/confirm-deposit': {
      post: {
        summary: 'Admin: confirm the deposit; credits the deposited amount',
        params: IdParams,
        body: ConfirmDeposit,
        responses: { '200': ['succeeded', Charge], '403': 'forbidden', '409': 'invalid_state' },
      },
    },
    '/v1/charges/{id}/reject': {
      post: {
        summary: 'Admin: reject a bank-transfer request',
        params: IdParams,
        body: RejectCharge,
        responses: { '200': ['rejected', Charge], '403': 'forbidden', '409': 'invalid_state' },
      },
    },
    '/v1/consumptions': {
      post: {
        summary: 'Consume points after a paid operation succeeded: an amount, or an item and quantity',
        headers: [IDEMPOTENCY_KEY],
        body: CreateConsumption,
        responses: { '201': ['debited', ConsumptionCreated], '402': 'insufficient_balance (with balance and required)', '409': 'idempotency_key_reused' },
      },
    },
    '/v1/consumptions/batch': {
      post: {
        summary:
          'Consume points for up to 1,000 operations at once. Each item has its own idempotency key (the same key space as Idempotency-Key on POST /v1/consumptions: a key takes effect once, alone or in any batch). Items are decided in order, one transaction per funding wallet; each result is 201 with its consumption or a problem (402 insufficient_balance, 404, 400, 409 idempotency_key_reused). A malformed envelope is one 400.',
        body: ConsumptionBatch,
        responses: { '200': ['one result per item, in item order', ConsumptionBatchResults] },
      },
    },
    '/v1/consumptions/{id}': {
      get: { summary: 'A consumption with refundedAmount and its refunds', params: IdParams, responses: { '200': ['the consumption', Consumption] } },
    },
    '/v1/consumptions/{id}/refunds': {
      post: {
        summary: `Refund part or all of a consumption. send_failed, unreachable_number, duplicate_order: credited (201), or await review (202) on a consumption older than AUTO_REFUND_WINDOW_DAYS; wrong_service, other: await review (202). Reasons: ${REFUND_REASONS.join(', ')}.`,
        params: IdParams,
        headers: [IDEMPOTENCY_KEY],
        body: CreateRefund,
        responses: { '201': ['credited', Refund], '202': ['awaiting review', Refund], '422': 'refund_exceeds_consumption' },
      },
    },
    '/v1/refunds': {
      get: {
        summary: 'Admin: list refunds, oldest first (the review queue is ?status=pending_review)',
        query: RefundListQuery,
        responses: { '200': ['a page', page('refunds', Refund)], '403': 'forbidden' },
      },
    },
    '/v1/refunds/{id}': { get: { summary: 'A refund', params: IdParams, responses: { '200': ['the refund', Refund] } } },
    '/v1/refunds/{id}/approve': {
      post: {
        summary: 'Admin: approve a refund awaiting review',
        params: IdParams,
        body: ApproveRefund,
        optionalBody: true,
        responses: { '200': ['credited', Refund], '403': 'forbidden', '409': 'invalid_state' },
      },
    },
    '/v1/refunds/{id}/reject': {
      post: {
        summary: 'Admin: reject a refund awaiting review',
        params: IdParams,
        body: RejectRefund,
        responses: { '200': ['rejected', Refund], '403': 'forbidden', '409': 'invalid_state' },
      },
    },
    '/v1/prices': { get: { summary: 'The price list', responses: { '200': ['items', PriceList] } } },
    '/v1/accounts/{id}/charge-links': {
      post: {
        summary:
          'Create a charge link (간편 충전 링크): an unguessable token whose page lets anyone holding it top up the account. The token is shown once; a parent-billed account is refused (its partner tops up).',
        params: IdParams,
        body: CreateLink,
        optionalBody: true,
        responses: { '201': ['created', ChargeLink], '409': 'invalid_state (parent-billed account)' },
      },
    },
    '/v1/charge-links/{token}': {
      delete: { summary: 'Revoke a charge link; its page answers 404 from then on', params: TokenParams, responses: { '204': ['revoked'] } },
    },
    '/v1/admin/events': {
      get: {
        summary: 'Admin: recent admin events (missed confirmation targets, overdue reviews, …), newest first',
        query: EventsQuery,
        responses: { '200': ['events', list('events', AdminEvent)], '403': 'forbidden' },
      },
    },
    '/v1/admin/decisions': {
      get: {
        summary:
          "Admin: recent decisions, newest first: deposits confirmed, bank transfers rejected, reviewed refunds approved or rejected (with the business's name, amounts and memo)",
        query: DecisionsQuery,
        responses: { '200': ['decisions', list('decisions', AdminDecision)], '403': 'forbidden' },
      },
    },
    '/v1/admin/notifications': {
      get: {
        summary: 'Admin: the deliveries of admin notifications to ADMIN_WEBHOOK_URL ({text}), newest first, with their attempts',
        query: DeliveriesQuery,
        responses: { '200': ['a page', page('notifications', AdminNotification)], '403': 'forbidden' },
      },
    },
    '/v1/webhook-endpoints': {
      post: {
        summary:
          "Create a webhook endpoint. Account key: receives that account's events and, for a partner, its sub-accounts'; admin key (no accountId): every event. Returns the signing secret once. https only, and no private, loopback or link-local address (unless WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOW_PRIVATE_NETWORKS).",
        body: CreateEndpoint,
        responses: { '201': ['created, with its secret', WebhookEndpointWithSecret] },
      },
      get: {
        summary: "The webhook endpoints the caller may see (a partner also its sub-accounts'; the admin all)",
        responses: { '200': ['endpoints', list('endpoints', WebhookEndpoint)] },
      },
    },
    '/v1/webhook-endpoints/{id}': {
      get: { summary: 'A webhook endpoint (without its secret)', params: IdParams, responses: { '200': ['the endpoint', WebhookEndpoint] } },
      delete: {
        summary: 'Delete a webhook endpoint; its pending deliveries give up at their next attempt',
        params: IdParams,
        responses: { '204': ['deleted'] },
      },
    },
    '/v1/webhook-endpoints/{id}/rotate-secret': {
      post: {
        summary:
          'Rotate the signing secret. The new one is returned once; for overlapHours (default 24, at most 168) deliveries carry both signatures, the new first.',
        params: IdParams,
        body: Rotate,
        optionalBody: true,
        responses: { '200': ['rotated, with the new secret', WebhookEndpointWithSecret] },
      },
    },
    '/v1/webhook-endpoints/{id}/deliveries': {
      get: {
        summary: 'The delivery log of an endpoint, newest first: each delivery with its attempts',
        params: IdParams,
        query: DeliveriesQuery,
        responses: { '200': ['a page', page('deliveries', WebhookDelivery)] },
      },
    },
    '/v1/events/{id}': {
      get: { summary: 'An event (of an account the caller acts for; the admin: any)', params: IdParams, responses: { '200': ['the event', WebhookEvent] } },
    },
    '/v1/events/{id}/redeliver': {
      post: {
        summary: "Send an event again (same id, same body) to one of the caller's endpoints that receives it, or to all of them",
        params: IdParams,
        body: Redeliver,
        optionalBody: true,
        responses: {
          '202': ['queued', z.object({ eventId: Id, deliveries: z.array(z.object({ id: Id, endpointId: Id, status: z.literal('pending') })) })],
          '409': 'invalid_state (no endpoint of the caller receives this event)',
        },
      },
    },
    '/v1/bank-deposits': {
      post: {
        summary:
          'Admin: report a deposit on the operator account, once per bankTransactionId. Exactly one bank-transfer charge awaiting a deposit of this amount from this depositor (names compared without spaces, case, (주)/주식회사 and full-width forms) → confirmed at once (confirmedBy bank_feed, status matched); none or several → unmatched and an admin event.',
        body: BankDepositBody,
        responses: {
          '200': ['already received (the same body)', BankDeposit],
          '201': ['received and settled', BankDeposit],
          '403': 'forbidden (admin key only)',
          '409': 'idempotency_key_reused: the same bankTransactionId with other data',
        },
      },
      get: {
        summary: 'Admin: bank deposits (status=unmatched: the queue to assign, oldest first)',
        query: BankDepositListQuery,
        responses: { '200': ['deposits', list('deposits', BankDeposit)], '403': 'forbidden (admin key only)' },
      },
    },
    '/v1/bank-deposits/{id}': {
      get: { summary: 'Admin: one bank deposit', params: IdParams, responses: { '200': ['the deposit', BankDeposit], '403': 'forbidden (admin key only)' } },
    },
    '/v1/bank-deposits/{id}/assign': {
      post: {
        summary: 'Admin: assign an unmatched deposit to a bank-transfer charge, which is confirmed with the deposited amount',
        params: IdParams,
        body: Assign,
        responses: {
          '200': ['assigned; the charge succeeded', BankDeposit],
          '403': 'forbidden (admin key only)',
          '409': 'invalid_state: the deposit is no longer unmatched, or the charge refused',
        },
      },
    },
    '/v1/sandbox/virtual-accounts/{accountNumber}/deposits': {
      post: {
        summary:
          "Admin, simulated gateway only: deposit into a virtual account as a business would; the gateway then sends its signed notification over HTTP to this service's /webhooks/gateway (PUBLIC_BASE_URL). Exactly the charge amount, once, before dueAt; anything else is 422 deposit_refused.",
        params: z.object({ accountNumber: AccountNumber }),
        body: SandboxDeposit,
        responses: {
          '201': [
            'deposited; the notification and what the webhook answered',
            z.object({
              deposit: Json,
              notification: z.object({ url: z.string(), status: z.number().int().optional(), body: z.unknown().optional(), error: z.string().optional() }),
            }),
          ],
          '403': 'forbidden (admin key only)',
          '422': 'deposit_refused',
        },
      },
    },
    '/webhooks/gateway': {
      post: {
        summary:
          "The payment gateway's signed deposit notification for a virtual account (the raw body is verified before parsing). The same transaction twice credits once.",
        open: true,
        headers: [signature(GATEWAY_SIGNATURE_HEADER, 'GATEWAY_WEBHOOK_SECRET')],
        body: GatewayNotification,
        responses: {
          '200': [
            'credited (also for a repeated notification)',
            z.object({ received: z.literal(true), transactionId: z.string(), chargeId: Id, status: z.literal('succeeded') }),
          ],
          '400': 'validation_error',
          '401': 'unauthorized: missing, wrong or stale signature; nothing changed',
          '404': 'not_found: no such virtual account for the order',
          '409': 'invalid_state: the charge was cancelled or expired, or the amount is not the charge amount; an admin event is raised',
        },
      },
    },
    '/webhooks/bank': {
      post: {
        summary: 'The bank deposit feed, signed (same body and answers as POST /v1/bank-deposits)',
        open: true,
        headers: [signature(BANK_SIGNATURE_HEADER, 'BANK_WEBHOOK_SECRET')],
        body: BankDepositBody,
        responses: {
          '200': ['already received', BankDeposit],
          '201': ['received and settled', BankDeposit],
          '400': 'validation_error',
          '401': 'unauthorized: missing, wrong or stale signature',
          '409': 'idempotency_key_reused',
        },
      },
    },
    '/pay/{token}': {
      get: {
        summary:
          'The charge-link page (HTML, Korean; ?method=&amount= prefills a form; JSON with Accept: application/json). Unknown, expired and revoked links are the same 404.',
        open: true,
        params: TokenParams,
        responses: { '200': ['the page, or its JSON', PayLink], '404': 'not_found' },
      },
    },
    '/pay/{token}/charges/{chargeId}': {
      get: {
        summary:
          "Charge link: the receipt of one of the link's account's charges (HTML: where to deposit, or the outcome; JSON with Accept: application/json). Form posts redirect here (303). Any other charge is 404.",
        open: true,
        params: z.object({ token: z.string(), chargeId: Id }),
        responses: { '200': ['the receipt, or its JSON', LinkCharge], '404': 'not_found' },
      },
    },
    '/pay/{token}/card': {
      post: {
        summary:
          "Charge link: store the card and charge it (origin charge_link). Form or JSON; idempotent per form render (hidden idempotencyKey) or Idempotency-Key header. A form is redirected (303) to the charge's receipt, or shown again (200) with Korean messages on its fields.",
        open: true,
        params: TokenParams,
        headers: [OPTIONAL_IDEMPOTENCY_KEY],
        body: CardTopUp,
        forms: true,
        responses: {
          '201': ['charged', LinkCharge],
          '202': ['outcome not known yet', LinkCharge],
          '400': 'validation_error',
          '404': 'not_found',
          '409': 'idempotency_key_reused',
          '422': 'amount_below_minimum, amount_above_maximum, card_declined',
        },
      },
    },
    '/pay/{token}/bank-transfer': {
      post: {
        summary:
          'Charge link: request a bank transfer (origin charge_link); answers the bank account, processingStartsAt, expectedBy and expiresAt. Idempotent like /card.',
        open: true,
        params: TokenParams,
        headers: [OPTIONAL_IDEMPOTENCY_KEY],
        body: BankTopUp,
        forms: true,
        responses: {
          '202': ['awaiting deposit', LinkCharge],
          '400': 'validation_error',
          '404': 'not_found',
          '409': 'idempotency_key_reused',
          '422': 'amount_below_minimum, amount_above_maximum',
        },
      },
    },
    '/pay/{token}/virtual-account': {
      post: {
        summary:
          'Charge link: have a virtual account issued for a top-up (origin charge_link); answers 202 with virtualAccount {bank, accountNumber, holder, dueAt} (forms get a page with the deadline in the business time zone). Idempotent like /card.',
        open: true,
        params: TokenParams,
        headers: [OPTIONAL_IDEMPOTENCY_KEY],
        body: VirtualAccountTopUp,
        forms: true,
        responses: {
          '202': ['awaiting the deposit', LinkCharge],
          '400': 'validation_error',
          '404': 'not_found',
          '409': 'idempotency_key_reused',
          '422': 'amount_below_minimum, amount_above_maximum',
        },
      },
    },
    '/admin': {
      get: {
        summary: 'The admin page (HTML): deposit confirmation queue, refunds awaiting review, recent events; the admin key is entered on the page',
        open: true,
        responses: { '200': ['the page', undefined, 'text/html'] },
      },
    },
    '/healthz': { get: { summary: 'Liveness', open: true, responses: { '200': ['alive', z.object({ status: z.literal('ok') })] } } },
    '/readyz': {
      get: {
        summary: 'Readiness: checks.database and checks.temporal (ok | down), checks.calendar (ok | degraded: holiday data ends within 90 days); no error text',
        open: true,
        responses: { '200': ['ready, or degraded (calendar)', Json], '503': ['not ready: database or temporal down', Json] },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', open: true, responses: { '200': ['text exposition format', undefined, 'text/plain'] } } },
  };

  const paths = Object.fromEntries(
    Object.entries(ops).map(([path, item]) => [path, Object.fromEntries(Object.entries(item).map(([method, op]) => [method, operation(op)]))]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Prepaid points service',
      version: '1.0.0',
      description:
        'Top-ups (card, bank transfer, virtual account), consumption and refunds of prepaid points (1 point = 1 KRW). Errors are application/problem+json with a machine `code`. POSTs that move money require an Idempotency-Key: the same key and body replay the stored answer; a different body is 409 idempotency_key_reused.',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An account API key, a partner key (also acts for its sub-accounts) or the admin key.' },
      },
      schemas: c.schemas,
    },
    paths,
  };
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Prepaid points API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{margin-bottom:.2rem} .op{border:1px solid #d0d7de;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace} .p{font-family:monospace}
.get{color:#0969da}.post{color:#1a7f37}.put{color:#9a6700}.delete{color:#cf222e}
details pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:12px}
</style></head><body>
<h1>Prepaid points API</h1><p id="desc"></p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1)</p>
<div id="ops"></div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('desc').textContent=doc.info.description;
  const ops=document.getElementById('ops');
  for(const [path,item] of Object.entries(doc.paths)) for(const [method,op] of Object.entries(item)){
    const d=document.createElement('div');d.className='op';
    const h=document.createElement('div');
    h.innerHTML='<span class="m '+method+'">'+method.toUpperCase()+'</span> <span class="p"></span> — <span class="s"></span>';
    h.querySelector('.p').textContent=path;h.querySelector('.s').textContent=op.summary||'';
    d.appendChild(h);
    const det=document.createElement('details');det.innerHTML='<summary>details</summary><pre></pre>';
    det.querySelector('pre').textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);
    d.appendChild(det);ops.appendChild(d);
  }
});
</script></body></html>`;

export function openApiRouter(config: Config): Router {
  const r = Router();
  const document = JSON.stringify(openApiDocument(config));
  r.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  r.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  return r;
}
