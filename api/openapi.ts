// The OpenAPI 3.1 description of the v1 HTTP contract, served at /openapi.json, and a self-contained
// page at /docs that renders it (no external assets: the service runs offline).
import { Router } from 'express';
import { depositPaths, depositSchemas } from './openapi-deposits.ts';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (description: string, schema: object) => ({ description, content: json(schema) });
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', minLength: 1, maxLength: 255 } };
const body = (schema: object) => ({ required: true, content: json(schema) });
const common = { '400': problem('validation_error'), '401': problem('unauthorized'), '404': problem('not_found (also for another tenant\'s resources)'), '429': problem('rate_limited'), '503': problem('service_unavailable: Temporal or the database did not answer in time (Retry-After); retry with the same Idempotency-Key') };
const points = { type: 'integer', minimum: 0 };
const uuid = { type: 'string', format: 'uuid' };
const time = { type: 'string', format: 'date-time' };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Prepaid points service',
    version: '1.0.0',
    description:
      'Top-ups (card, bank transfer), consumption and refunds of prepaid points (1 point = 1 KRW). Errors are application/problem+json with a machine `code`. POSTs that move money require an Idempotency-Key: the same key and body replay the stored answer; a different body is 409 idempotency_key_reused.',
  },
  security: [{ bearer: [] }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An account API key, a partner key (also acts for its sub-accounts) or the admin key.' } },
    schemas: {
      ...depositSchemas,
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: {
            type: 'string',
            enum: ['validation_error', 'unauthorized', 'forbidden', 'not_found', 'insufficient_balance', 'idempotency_key_reused', 'invalid_state', 'amount_below_minimum', 'amount_above_maximum', 'refund_exceeds_consumption', 'card_declined', 'rate_limited', 'service_unavailable', 'deposit_refused'],
          },
          balance: points,
          required: points,
          errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
      Account: {
        type: 'object',
        properties: { id: uuid, name: { type: 'string' }, parentId: { type: ['string', 'null'], format: 'uuid' }, billingMode: { enum: ['own', 'parent'] }, businessRegistrationNumber: { type: ['string', 'null'], description: '123-45-67890' }, taxDocument: { enum: ['tax_invoice', 'cash_receipt', 'none'] }, createdAt: time, apiKey: { type: 'string', description: 'only in the creation response' } },
      },
      Balance: {
        type: 'object',
        properties: { accountId: uuid, fundingAccountId: uuid, balance: points, pendingCharges: points, sendable: { type: 'object', additionalProperties: { type: 'integer' } } },
      },
      LedgerEntry: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: { enum: ['charge', 'consumption', 'refund', 'adjustment'] },
          amount: { type: 'integer' },
          balanceAfter: points,
          accountId: uuid,
          fundingAccountId: uuid,
          chargeId: uuid,
          consumptionId: uuid,
          refundId: uuid,
          createdAt: time,
        },
      },
      Charge: {
        type: 'object',
        properties: {
          id: uuid,
          accountId: uuid,
          amount: points,
          method: { enum: ['card', 'bank_transfer', 'virtual_account'] },
          virtualAccount: ref('VirtualAccount'),
          confirmedBy: { enum: ['admin', 'bank_feed', 'gateway'] },
          taxDocument: ref('TaxDocument'),
          status: { enum: ['pending', 'awaiting_deposit', 'succeeded', 'failed', 'cancelled', 'rejected', 'expired'] },
          origin: { enum: ['api', 'charge_link', 'auto_recharge'] },
          bankAccount: { type: 'object' },
          processingStartsAt: time,
          expectedBy: time,
          expiresAt: time,
          depositedAmount: points,
          creditedAmount: points,
          timeline: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, at: time } } },
        },
      },
      Consumption: {
        type: 'object',
        properties: { id: uuid, accountId: uuid, fundingAccountId: uuid, amount: points, balanceAfter: points, item: { type: 'string' }, quantity: { type: 'integer' }, reference: { type: 'string' }, refundedAmount: points, refunds: { type: 'array', items: ref('Refund') } },
      },
      AutoRecharge: {
        type: 'object',
        properties: {
          accountId: uuid,
          enabled: { type: 'boolean' },
          threshold: points,
          amount: points,
          paymentMethodId: uuid,
          monthlyLimit: { type: ['integer', 'null'], minimum: 1 },
          consecutiveFailures: { type: 'integer', minimum: 0, description: 'failed auto-recharges in a row; the third switches it off' },
          disabledAt: { type: ['string', 'null'], format: 'date-time' },
          disabledReason: { type: ['string', 'null'] },
          chargedThisMonth: { ...points, description: 'points credited by auto-recharge this calendar month (business time zone)' },
          remainingThisMonth: { type: ['integer', 'null'], minimum: 0 },
          updatedAt: time,
        },
      },
      WebhookEndpoint: {
        type: 'object',
        properties: {
          id: uuid,
          accountId: { type: ['string', 'null'], format: 'uuid', description: "null: the admin's endpoint, which receives every event" },
          url: { type: 'string', format: 'uri' },
          events: { type: 'array', items: ref('WebhookEventType'), description: 'empty: every type' },
          description: { type: ['string', 'null'] },
          secretHint: { type: 'string', description: 'the last 4 characters of the signing secret' },
          previousSecretExpiresAt: { type: ['string', 'null'], format: 'date-time', description: 'until then deliveries are also signed with the previous secret' },
          createdAt: time,
          secret: { type: 'string', description: 'only in the creation and rotation responses: whsec_…, the HMAC key of Points-Signature' },
        },
      },
      WebhookEventType: {
        enum: ['charge.awaiting_deposit', 'charge.succeeded', 'charge.failed', 'charge.expired', 'charge.cancelled', 'charge.rejected', 'refund.succeeded', 'refund.rejected', 'balance.low', 'balance.recovered', 'auto_recharge.disabled', 'bank_deposit.unmatched'],
      },
      WebhookEvent: {
        type: 'object',
        description: 'The body of every delivery of the event (byte for byte the same each time). Signed: Points-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret> (one v1 per live secret during a rotation).',
        properties: { id: uuid, type: ref('WebhookEventType'), createdAt: time, accountId: { type: ['string', 'null'], format: 'uuid' }, data: { type: 'object' } },
      },
      WebhookDelivery: {
        type: 'object',
        properties: {
          id: uuid,
          eventId: uuid,
          eventType: ref('WebhookEventType'),
          endpointId: uuid,
          redelivery: { type: 'boolean' },
          status: { enum: ['pending', 'succeeded', 'failed'], description: 'failed: given up (3 days of failed attempts by default) or the endpoint was deleted' },
          attemptCount: { type: 'integer', minimum: 0 },
          lastStatusCode: { type: ['integer', 'null'] },
          lastError: { type: ['string', 'null'] },
          createdAt: time,
          completedAt: { type: ['string', 'null'], format: 'date-time' },
          attempts: {
            type: 'array',
            description: 'the latest 20 attempts, newest first',
            items: { type: 'object', properties: { attempt: { type: 'integer' }, at: time, statusCode: { type: ['integer', 'null'] }, error: { type: ['string', 'null'] }, durationMs: { type: 'integer' } } },
          },
        },
      },
      BalanceAlerts: { type: 'object', properties: { accountId: uuid, thresholds: { type: 'array', items: { type: 'integer', minimum: 1 } } } },
      Refund: {
        type: 'object',
        properties: {
          id: uuid,
          consumptionId: uuid,
          amount: points,
          reason: { enum: ['send_failed', 'unreachable_number', 'duplicate_order', 'wrong_service', 'other'] },
          status: { enum: ['pending_review', 'succeeded', 'rejected'] },
          overdue: { type: 'boolean' },
        },
      },
    },
  },
  paths: {
    ...depositPaths,
    '/v1/accounts': {
      post: {
        summary: 'Create an account (admin; a partner only with parentId = itself). Returns its API key once.',
        requestBody: body({ type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, parentId: uuid, billingMode: { enum: ['own', 'parent'] }, businessRegistrationNumber: { type: 'string', description: '10 digits, dashes allowed, checksum validated' }, taxDocument: { enum: ['tax_invoice', 'cash_receipt', 'none'], description: 'the document of deposit top-ups; tax_invoice and cash_receipt need businessRegistrationNumber' } } }),
        responses: { '201': ok('created', ref('Account')), '403': problem('forbidden'), ...common },
      },
    },
    '/v1/accounts/{id}': {
      get: { summary: 'The account', parameters: [idParam('id')], responses: { '200': ok('the account', ref('Account')), ...common } },
      patch: { summary: 'Change the name or the tax-document settings', parameters: [idParam('id')], requestBody: body({ type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, businessRegistrationNumber: { type: ['string', 'null'] }, taxDocument: { enum: ['tax_invoice', 'cash_receipt', 'none'] } } }), responses: { '200': ok('the account', ref('Account')), ...common } },
    },
    '/v1/accounts/{id}/balance': { get: { summary: 'Balance of the funding account, pending charges and sendable counts per item', parameters: [idParam('id')], responses: { '200': ok('balance', ref('Balance')), ...common } } },
    '/v1/accounts/{id}/ledger': {
      get: {
        summary: 'Ledger entries, newest first',
        parameters: [
          idParam('id'),
          { name: 'kind', in: 'query', schema: { enum: ['charge', 'consumption', 'refund', 'adjustment'] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': ok('a page', { type: 'object', properties: { entries: { type: 'array', items: ref('LedgerEntry') }, nextCursor: { type: ['string', 'null'] } } }), ...common },
      },
    },
    '/v1/accounts/{id}/payment-methods': {
      post: { summary: 'Store a card by gateway token', parameters: [idParam('id')], requestBody: body({ type: 'object', required: ['cardToken'], properties: { cardToken: { type: 'string' } } }), responses: { '201': ok('stored', { type: 'object', properties: { id: uuid, brand: { type: 'string' }, last4: { type: 'string' } } }), ...common } },
    },
    '/v1/accounts/{id}/auto-recharge': {
      get: { summary: 'Auto-recharge settings and state (failures in a row, why it was switched off, charged this month)', parameters: [idParam('id')], responses: { '200': ok('the settings', ref('AutoRecharge')), ...common } },
      put: {
        summary: 'Set auto-recharge: when a debit leaves the funding balance below threshold, one card charge of amount on the stored card starts. Not for a parent-billed account (409 invalid_state). Saving resets the failure count.',
        parameters: [idParam('id')],
        requestBody: body({
          type: 'object',
          required: ['enabled', 'amount', 'paymentMethodId'],
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            threshold: { ...points, default: 15000 },
            amount: { type: 'integer', description: 'within the card charge limits' },
            paymentMethodId: { ...uuid, description: "one of the account's stored cards" },
            monthlyLimit: { type: ['integer', 'null'], minimum: 1, description: 'at least amount; null = no limit' },
          },
        }),
        responses: { '200': ok('saved', ref('AutoRecharge')), '409': problem('invalid_state (parent-billed account)'), ...common },
      },
    },
    '/v1/charges': {
      post: {
        summary: 'Open a charge (top-up). Card: 201 when finished. Bank transfer: 202 awaiting deposit, with bankAccount, processingStartsAt, expectedBy, expiresAt.',
        parameters: [idempotencyKey],
        requestBody: body({
          oneOf: [
            { type: 'object', additionalProperties: false, required: ['accountId', 'amount', 'method', 'paymentMethodId'], properties: { accountId: uuid, amount: { type: 'integer', minimum: 1 }, method: { const: 'card' }, paymentMethodId: uuid } },
            { type: 'object', additionalProperties: false, required: ['accountId', 'amount', 'method'], properties: { accountId: uuid, amount: { type: 'integer', minimum: 1 }, method: { const: 'bank_transfer' }, depositorName: { type: 'string', minLength: 1, maxLength: 100 } } },
            { type: 'object', additionalProperties: false, required: ['accountId', 'amount', 'method'], properties: { accountId: uuid, amount: { type: 'integer', minimum: 1 }, method: { const: 'virtual_account', description: '202 awaiting_deposit with virtualAccount {bank, accountNumber, holder, dueAt}' } } },
          ],
        }),
        responses: { '201': ok('card charge finished', ref('Charge')), '202': ok('awaiting deposit', ref('Charge')), '409': problem('invalid_state or idempotency_key_reused'), '422': problem('amount_below_minimum, amount_above_maximum, card_declined'), ...common },
      },
      get: {
        summary: 'List charges (admin: all; the awaiting_deposit queue oldest first)',
        parameters: [
          { name: 'accountId', in: 'query', schema: uuid },
          { name: 'status', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': ok('charges', { type: 'object', properties: { charges: { type: 'array', items: ref('Charge') } } }), ...common },
      },
    },
    '/v1/charges/{id}': { get: { summary: 'A charge with its timeline', parameters: [idParam('id')], responses: { '200': ok('the charge', ref('Charge')), ...common } } },
    '/v1/charges/{id}/cancel': { post: { summary: 'Cancel while awaiting_deposit', parameters: [idParam('id')], responses: { '200': ok('cancelled', ref('Charge')), '409': problem('invalid_state'), ...common } } },
    '/v1/charges/{id}/confirm-deposit': {
      post: { summary: 'Admin: confirm the deposit; credits the deposited amount', parameters: [idParam('id')], requestBody: body({ type: 'object', required: ['depositedAmount'], properties: { depositedAmount: { type: 'integer', minimum: 1 }, depositorName: { type: 'string' }, memo: { type: 'string' } } }), responses: { '200': ok('succeeded', ref('Charge')), '403': problem('forbidden'), '409': problem('invalid_state'), ...common } },
    },
    '/v1/charges/{id}/reject': { post: { summary: 'Admin: reject a bank-transfer request', parameters: [idParam('id')], requestBody: body({ type: 'object', required: ['reason'], properties: { reason: { type: 'string' } } }), responses: { '200': ok('rejected', ref('Charge')), '403': problem('forbidden'), '409': problem('invalid_state'), ...common } } },
    '/v1/consumptions': {
      post: {
        summary: 'Consume points after a paid operation succeeded: an amount, or an item and quantity',
        parameters: [idempotencyKey],
        requestBody: body({
          oneOf: [
            { type: 'object', additionalProperties: false, required: ['accountId', 'amount'], properties: { accountId: uuid, amount: { type: 'integer', minimum: 1 }, reference: { type: 'string', maxLength: 200 }, memo: { type: 'string', maxLength: 500 } } },
            { type: 'object', additionalProperties: false, required: ['accountId', 'item'], properties: { accountId: uuid, item: { enum: ['sms', 'lms', 'mms', 'alimtalk'], description: 'an item of GET /v1/prices' }, quantity: { type: 'integer', minimum: 1, default: 1 }, reference: { type: 'string', maxLength: 200 }, memo: { type: 'string', maxLength: 500 } } },
          ],
        }),
        responses: { '201': ok('debited', ref('Consumption')), '402': problem('insufficient_balance (with balance and required)'), '409': problem('idempotency_key_reused'), ...common },
      },
    },
    '/v1/consumptions/batch': {
      post: {
        summary:
          'Consume points for up to 1,000 operations at once. Each item has its own idempotency key (the same key space as Idempotency-Key on POST /v1/consumptions: a key takes effect once, alone or in any batch). Items are decided in order, one transaction per funding wallet; each result is 201 with its consumption or a problem (402 insufficient_balance, 404, 400, 409 idempotency_key_reused). A malformed envelope is one 400.',
        requestBody: body({
          type: 'object',
          additionalProperties: false,
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              items: {
                type: 'object',
                required: ['key', 'accountId'],
                description: 'a POST /v1/consumptions body (amount, or item and quantity) with its idempotency key',
                properties: { key: { type: 'string', minLength: 1, maxLength: 255 }, accountId: uuid, amount: { type: 'integer', minimum: 1 }, item: { type: 'string' }, quantity: { type: 'integer', minimum: 1, default: 1 }, reference: { type: 'string', maxLength: 200 }, memo: { type: 'string', maxLength: 500 } },
              },
            },
          },
        }),
        responses: {
          '200': ok('one result per item, in item order', {
            type: 'object',
            properties: {
              results: {
                type: 'array',
                items: { type: 'object', required: ['key', 'status'], properties: { key: { type: ['string', 'null'] }, status: { type: 'integer' }, consumption: ref('Consumption'), problem: { type: 'object', description: 'the problem+json of a refused item' } } },
              },
            },
          }),
          ...common,
        },
      },
    },
    '/v1/consumptions/{id}': { get: { summary: 'A consumption with refundedAmount and its refunds', parameters: [idParam('id')], responses: { '200': ok('the consumption', ref('Consumption')), ...common } } },
    '/v1/consumptions/{id}/refunds': {
      post: {
        summary: 'Refund part or all of a consumption. send_failed, unreachable_number, duplicate_order: credited (201), or await review (202) on a consumption older than AUTO_REFUND_WINDOW_DAYS; wrong_service, other: await review (202).',
        parameters: [idParam('id'), idempotencyKey],
        requestBody: body({ type: 'object', required: ['amount', 'reason'], properties: { amount: { type: 'integer', minimum: 1 }, reason: { enum: ['send_failed', 'unreachable_number', 'duplicate_order', 'wrong_service', 'other'] }, memo: { type: 'string' } } }),
        responses: { '201': ok('credited', ref('Refund')), '202': ok('awaiting review', ref('Refund')), '422': problem('refund_exceeds_consumption'), ...common },
      },
    },
    '/v1/refunds/{id}': { get: { summary: 'A refund', parameters: [idParam('id')], responses: { '200': ok('the refund', ref('Refund')), ...common } } },
    '/v1/refunds/{id}/approve': { post: { summary: 'Admin: approve a refund awaiting review', parameters: [idParam('id')], responses: { '200': ok('credited', ref('Refund')), '403': problem('forbidden'), '409': problem('invalid_state'), ...common } } },
    '/v1/refunds/{id}/reject': { post: { summary: 'Admin: reject a refund awaiting review', parameters: [idParam('id')], requestBody: body({ type: 'object', properties: { reason: { type: 'string' } } }), responses: { '200': ok('rejected', ref('Refund')), '403': problem('forbidden'), '409': problem('invalid_state'), ...common } } },
    '/v1/prices': { get: { summary: 'The price list', responses: { '200': ok('items', { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { item: { type: 'string' }, unitPrice: points } } } } }), '401': problem('unauthorized') } } },
    '/v1/accounts/{id}/charge-links': {
      post: {
        summary: 'Create a charge link (간편 충전 링크): an unguessable token whose page lets anyone holding it top up the account. The token is shown once; a parent-billed account is refused (its partner tops up).',
        parameters: [idParam('id')],
        requestBody: { required: false, content: json({ type: 'object', additionalProperties: false, properties: { expiresInDays: { type: 'integer', minimum: 1, maximum: 90, default: 7 } } }) },
        responses: {
          '201': ok('created', { type: 'object', properties: { token: { type: 'string' }, url: { type: 'string', format: 'uri' }, accountId: uuid, tokenHint: { type: 'string' }, expiresAt: time, createdAt: time } }),
          '409': problem('invalid_state (parent-billed account)'),
          ...common,
        },
      },
    },
    '/v1/charge-links/{token}': {
      delete: { summary: 'Revoke a charge link; its page answers 404 from then on', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'revoked' }, ...common } },
    },
    '/v1/refunds': {
      get: {
        summary: 'Admin: list refunds, oldest first (the review queue is ?status=pending_review)',
        parameters: [
          { name: 'status', in: 'query', schema: { enum: ['pending_review', 'succeeded', 'rejected'] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': ok('a page', { type: 'object', properties: { refunds: { type: 'array', items: ref('Refund') }, nextCursor: { type: ['string', 'null'] } } }), '403': problem('forbidden'), ...common },
      },
    },
    '/v1/admin/events': {
      get: {
        summary: 'Admin: recent admin events (missed confirmation targets, overdue reviews, …), newest first',
        parameters: [
          { name: 'type', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        ],
        responses: {
          '200': ok('events', { type: 'object', properties: { events: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, subjectId: { type: 'string' }, accountId: uuid, accountName: { type: 'string' }, data: { type: 'object' }, createdAt: time } } } } }),
          '403': problem('forbidden'),
          ...common,
        },
      },
    },
    '/v1/admin/decisions': {
      get: {
        summary: "Admin: recent decisions, newest first: deposits confirmed, bank transfers rejected, reviewed refunds approved or rejected (with the business's name, amounts and memo)",
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }],
        responses: {
          '200': ok('decisions', { type: 'object', properties: { decisions: { type: 'array', items: { type: 'object', properties: { kind: { enum: ['deposit_confirmed', 'charge_rejected', 'refund_approved', 'refund_rejected'] }, subject: { enum: ['charge', 'refund'] }, subjectId: uuid, accountId: uuid, accountName: { type: 'string' }, amount: { type: 'integer' }, requestedAmount: { type: 'integer' }, reason: { type: 'string' }, note: { type: 'string' }, by: { type: 'string' }, at: time } } } } }),
          '403': problem('forbidden'),
          ...common,
        },
      },
    },
    '/v1/webhook-endpoints': {
      post: {
        summary: "Create a webhook endpoint. Account key: receives that account's events and, for a partner, its sub-accounts'; admin key (no accountId): every event. Returns the signing secret once. https only, and no private, loopback or link-local address (unless WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOW_PRIVATE_NETWORKS).",
        requestBody: body({
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', format: 'uri', maxLength: 2048 },
            events: { type: 'array', items: ref('WebhookEventType'), description: 'default: every type' },
            description: { type: 'string', maxLength: 500 },
            accountId: { ...uuid, description: 'an account the caller acts for (default: its own; the admin: none, i.e. all events)' },
          },
        }),
        responses: { '201': ok('created, with its secret', ref('WebhookEndpoint')), ...common },
      },
      get: { summary: 'The webhook endpoints the caller may see (a partner also its sub-accounts\'; the admin all)', responses: { '200': ok('endpoints', { type: 'object', properties: { endpoints: { type: 'array', items: ref('WebhookEndpoint') } } }), ...common } },
    },
    '/v1/webhook-endpoints/{id}': {
      get: { summary: 'A webhook endpoint (without its secret)', parameters: [idParam('id')], responses: { '200': ok('the endpoint', ref('WebhookEndpoint')), ...common } },
      delete: { summary: 'Delete a webhook endpoint; its pending deliveries give up at their next attempt', parameters: [idParam('id')], responses: { '204': { description: 'deleted' }, ...common } },
    },
    '/v1/webhook-endpoints/{id}/rotate-secret': {
      post: {
        summary: 'Rotate the signing secret. The new one is returned once; for overlapHours (default 24, at most 168) deliveries carry both signatures, the new first.',
        parameters: [idParam('id')],
        requestBody: { required: false, content: json({ type: 'object', additionalProperties: false, properties: { overlapHours: { type: 'number', minimum: 0, maximum: 168, default: 24 } } }) },
        responses: { '200': ok('rotated, with the new secret', ref('WebhookEndpoint')), ...common },
      },
    },
    '/v1/webhook-endpoints/{id}/deliveries': {
      get: {
        summary: 'The delivery log of an endpoint, newest first: each delivery with its attempts',
        parameters: [
          idParam('id'),
          { name: 'status', in: 'query', schema: { enum: ['pending', 'succeeded', 'failed'] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': ok('a page', { type: 'object', properties: { deliveries: { type: 'array', items: ref('WebhookDelivery') }, nextCursor: { type: ['string', 'null'] } } }), ...common },
      },
    },
    '/v1/admin/notifications': {
      get: {
        summary: 'Admin: the deliveries of admin notifications to ADMIN_WEBHOOK_URL ({text}), newest first, with their attempts',
        parameters: [
          { name: 'status', in: 'query', schema: { enum: ['pending', 'succeeded', 'failed'] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': ok('a page', {
            type: 'object',
            properties: {
              notifications: { type: 'array', items: { type: 'object', properties: { id: uuid, adminEventId: { type: 'string' }, text: { type: 'string' }, status: { enum: ['pending', 'succeeded', 'failed'] }, attemptCount: { type: 'integer' }, lastStatusCode: { type: ['integer', 'null'] }, lastError: { type: ['string', 'null'] }, createdAt: time, completedAt: { type: ['string', 'null'], format: 'date-time' }, attempts: { type: 'array', items: { type: 'object' } } } } },
              nextCursor: { type: ['string', 'null'] },
            },
          }),
          '403': problem('forbidden'),
          ...common,
        },
      },
    },
    '/v1/events/{id}': { get: { summary: 'An event (of an account the caller acts for; the admin: any)', parameters: [idParam('id')], responses: { '200': ok('the event', ref('WebhookEvent')), ...common } } },
    '/v1/events/{id}/redeliver': {
      post: {
        summary: "Send an event again (same id, same body) to one of the caller's endpoints that receives it, or to all of them",
        parameters: [idParam('id')],
        requestBody: { required: false, content: json({ type: 'object', additionalProperties: false, properties: { endpointId: uuid } }) },
        responses: {
          '202': ok('queued', { type: 'object', properties: { eventId: uuid, deliveries: { type: 'array', items: { type: 'object', properties: { id: uuid, endpointId: uuid, status: { const: 'pending' } } } } } }),
          '409': problem('invalid_state (no endpoint of the caller receives this event)'),
          ...common,
        },
      },
    },
    '/v1/accounts/{id}/balance-alerts': {
      get: { summary: 'Balance alert thresholds of a funding account', parameters: [idParam('id')], responses: { '200': ok('thresholds', ref('BalanceAlerts')), ...common } },
      put: {
        summary: 'Set balance alert thresholds: crossing one downwards emits balance.low once, coming back to or above it emits balance.recovered. Not for a parent-billed account (409 invalid_state).',
        parameters: [idParam('id')],
        requestBody: body({ type: 'object', required: ['thresholds'], additionalProperties: false, properties: { thresholds: { type: 'array', maxItems: 20, items: { type: 'integer', minimum: 1 } } } }),
        responses: { '200': ok('saved', ref('BalanceAlerts')), '409': problem('invalid_state (parent-billed account)'), ...common },
      },
    },
    '/pay/{token}': {
      get: {
        summary: 'The charge-link page (HTML, Korean; ?method=&amount= prefills a form; JSON {accountName, balance, pendingCharges, sendable, linkExpiresAt, limits, openRequests} with Accept: application/json). Unknown, expired and revoked links are the same 404.',
        security: [],
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the page', content: { 'text/html': {}, 'application/json': { schema: { type: 'object' } } } }, '404': problem('not_found') },
      },
    },
    '/pay/{token}/charges/{chargeId}': {
      get: {
        summary: "Charge link: the receipt of one of the link's account's charges (HTML: where to deposit, or the outcome; JSON with Accept: application/json). Form posts redirect here (303). Any other charge is 404.",
        security: [],
        parameters: [
          { name: 'token', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'chargeId', in: 'path', required: true, schema: uuid },
        ],
        responses: { '200': { description: 'the receipt', content: { 'text/html': {}, 'application/json': { schema: { type: 'object' } } } }, '404': problem('not_found') },
      },
    },
    '/pay/{token}/card': {
      post: {
        summary: 'Charge link: store the card and charge it (origin charge_link). Form or JSON; idempotent per form render (hidden idempotencyKey) or Idempotency-Key header. A form is redirected (303) to the charge\'s receipt, or shown again (200) with Korean messages on its fields.',
        security: [],
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }, { ...idempotencyKey, required: false }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['amount', 'cardToken'], properties: { amount: { type: 'integer', minimum: 1 }, cardToken: { type: 'string' }, idempotencyKey: { type: 'string' } } } }, 'application/x-www-form-urlencoded': {} } },
        responses: { '201': ok('charged', { type: 'object' }), '422': problem('amount_below_minimum, amount_above_maximum, card_declined'), '400': problem('validation_error'), '404': problem('not_found'), '409': problem('idempotency_key_reused') },
      },
    },
    '/pay/{token}/bank-transfer': {
      post: {
        summary: 'Charge link: request a bank transfer (origin charge_link); answers the bank account, processingStartsAt, expectedBy and expiresAt. Idempotent like /card.',
        security: [],
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }, { ...idempotencyKey, required: false }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['amount', 'depositorName'], properties: { amount: { type: 'integer', minimum: 1 }, depositorName: { type: 'string', maxLength: 100 }, idempotencyKey: { type: 'string' } } } }, 'application/x-www-form-urlencoded': {} } },
        responses: { '202': ok('awaiting deposit', { type: 'object' }), '422': problem('amount_below_minimum, amount_above_maximum'), '400': problem('validation_error'), '404': problem('not_found'), '409': problem('idempotency_key_reused') },
      },
    },
    '/admin': { get: { summary: 'The admin page (HTML): deposit confirmation queue, refunds awaiting review, recent events; the admin key is entered on the page', security: [], responses: { '200': { description: 'the page', content: { 'text/html': {} } } } } },
    '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': ok('alive', { type: 'object' }) } } },
    '/readyz': { get: { summary: 'Readiness: checks.database and checks.temporal (ok | down), checks.calendar (ok | degraded: holiday data ends within 90 days); no error text', security: [], responses: { '200': ok('ready, or degraded (calendar)', { type: 'object' }), '503': ok('not ready: database or temporal down', { type: 'object' }) } } },
    '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { '200': { description: 'text exposition format' } } } },
  },
} as const;

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

export function openApiRouter(): Router {
  const r = Router();
  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  r.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  return r;
}
