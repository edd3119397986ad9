// The OpenAPI description of the deposit routes (SPEC §6.2), spread into api/openapi.ts.
const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (description: string, schema: object) => ({ description, content: json(schema) });
const body = (schema: object) => ({ required: true, content: json(schema) });
const uuid = { type: 'string', format: 'uuid' };
const time = { type: 'string', format: 'date-time' };
const points = { type: 'integer', minimum: 1 };
const common = { '400': problem('validation_error'), '401': problem('unauthorized'), '403': problem('forbidden (admin key only)'), '404': problem('not_found'), '429': problem('rate_limited') };
const signature = (name: string, secret: string) => ({
  name,
  in: 'header',
  required: true,
  description: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with ${secret}>; accepted within 5 minutes`,
  schema: { type: 'string' },
});

const bankDepositBody = {
  type: 'object',
  additionalProperties: false,
  required: ['bankTransactionId', 'amount', 'depositorName', 'depositedAt'],
  properties: { bankTransactionId: { type: 'string', minLength: 1, maxLength: 200 }, amount: points, depositorName: { type: 'string', minLength: 1, maxLength: 100 }, depositedAt: time },
};

export const depositSchemas = {
  VirtualAccount: {
    type: 'object',
    description: 'A virtual account (가상계좌) issued by the gateway for one charge: it accepts exactly the charge amount, once, before dueAt.',
    properties: { bank: { type: 'string' }, accountNumber: { type: 'string' }, holder: { type: 'string' }, dueAt: time },
  },
  TaxDocument: {
    type: 'object',
    description: 'The tax document of a succeeded bank-transfer or virtual-account charge (a card charge has none).',
    properties: { type: { enum: ['tax_invoice', 'cash_receipt'] }, status: { enum: ['requested', 'issued', 'failed'] }, number: { type: 'string' }, failureReason: { type: 'string' } },
  },
  BankDeposit: {
    type: 'object',
    properties: {
      id: uuid,
      bankTransactionId: { type: 'string' },
      amount: points,
      depositorName: { type: 'string' },
      depositedAt: time,
      status: { enum: ['received', 'matched', 'unmatched', 'assigned'] },
      chargeId: uuid,
      note: { type: 'string', description: 'why it did not match' },
      source: { enum: ['api', 'webhook'] },
      createdAt: time,
      settledAt: time,
    },
  },
};

export const depositPaths = {
  '/pay/{token}/virtual-account': {
    post: {
      summary:
        'Charge link: have a virtual account issued for a top-up (origin charge_link); answers 202 with virtualAccount {bank, accountNumber, holder, dueAt} (forms get a page with the deadline in the business time zone). Idempotent like /card.',
      security: [],
      parameters: [
        { name: 'token', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['amount'], properties: { amount: points, idempotencyKey: { type: 'string' } } } }, 'application/x-www-form-urlencoded': {} } },
      responses: { '202': ok('awaiting the deposit', { type: 'object' }), '400': problem('validation_error'), '404': problem('not_found'), '409': problem('idempotency_key_reused'), '422': problem('amount_below_minimum, amount_above_maximum') },
    },
  },
  '/webhooks/gateway': {
    post: {
      summary: "The payment gateway's signed deposit notification for a virtual account (the raw body is verified before parsing). The same transaction twice credits once.",
      security: [],
      parameters: [signature('Gateway-Signature', 'GATEWAY_WEBHOOK_SECRET')],
      requestBody: body({
        type: 'object',
        required: ['type', 'transactionId', 'orderId', 'accountNumber', 'amount', 'depositedAt'],
        properties: { type: { const: 'virtual_account.deposited' }, transactionId: { type: 'string' }, orderId: { ...uuid, description: 'the charge id' }, accountNumber: { type: 'string' }, amount: points, depositorName: { type: ['string', 'null'] }, depositedAt: time },
      }),
      responses: {
        '200': ok('credited (also for a repeated notification)', { type: 'object', properties: { received: { const: true }, transactionId: { type: 'string' }, chargeId: uuid, status: { const: 'succeeded' } } }),
        '400': problem('validation_error'),
        '401': problem('unauthorized: missing, wrong or stale signature; nothing changed'),
        '404': problem('not_found: no such virtual account for the order'),
        '409': problem('invalid_state: the charge was cancelled or expired, or the amount is not the charge amount; an admin event is raised'),
      },
    },
  },
  '/webhooks/bank': {
    post: {
      summary: 'The bank deposit feed, signed (same body and answers as POST /v1/bank-deposits)',
      security: [],
      parameters: [signature('Bank-Signature', 'BANK_WEBHOOK_SECRET')],
      requestBody: body(bankDepositBody),
      responses: { '200': ok('already received', ref('BankDeposit')), '201': ok('received and settled', ref('BankDeposit')), '400': problem('validation_error'), '401': problem('unauthorized: missing, wrong or stale signature'), '409': problem('idempotency_key_reused') },
    },
  },
  '/v1/bank-deposits': {
    post: {
      summary:
        'Admin: report a deposit on the operator account, once per bankTransactionId. Exactly one bank-transfer charge awaiting a deposit of this amount from this depositor (names compared without spaces, case, (주)/주식회사 and full-width forms) → confirmed at once (confirmedBy bank_feed, status matched); none or several → unmatched and an admin event.',
      requestBody: body(bankDepositBody),
      responses: { '200': ok('already received (the same body)', ref('BankDeposit')), '201': ok('received and settled', ref('BankDeposit')), '409': problem('idempotency_key_reused: the same bankTransactionId with other data'), ...common },
    },
    get: {
      summary: 'Admin: bank deposits (status=unmatched: the queue to assign, oldest first)',
      parameters: [
        { name: 'status', in: 'query', schema: { enum: ['received', 'matched', 'unmatched', 'assigned'] } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
      ],
      responses: { '200': ok('deposits', { type: 'object', properties: { deposits: { type: 'array', items: ref('BankDeposit') } } }), ...common },
    },
  },
  '/v1/bank-deposits/{id}': {
    get: { summary: 'Admin: one bank deposit', parameters: [{ name: 'id', in: 'path', required: true, schema: uuid }], responses: { '200': ok('the deposit', ref('BankDeposit')), ...common } },
  },
  '/v1/bank-deposits/{id}/assign': {
    post: {
      summary: 'Admin: assign an unmatched deposit to a bank-transfer charge, which is confirmed with the deposited amount',
      parameters: [{ name: 'id', in: 'path', required: true, schema: uuid }],
      requestBody: body({ type: 'object', required: ['chargeId'], additionalProperties: false, properties: { chargeId: uuid } }),
      responses: { '200': ok('assigned; the charge succeeded', ref('BankDeposit')), '409': problem('invalid_state: the deposit is no longer unmatched, or the charge refused'), ...common },
    },
  },
  '/v1/sandbox/virtual-accounts/{accountNumber}/deposits': {
    post: {
      summary:
        "Admin, simulated gateway only: deposit into a virtual account as a business would; the gateway then sends its signed notification over HTTP to this service's /webhooks/gateway (PUBLIC_BASE_URL). Exactly the charge amount, once, before dueAt; anything else is 422 deposit_refused.",
      parameters: [{ name: 'accountNumber', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]{6,20}$' } }],
      requestBody: body({ type: 'object', required: ['amount'], additionalProperties: false, properties: { amount: points, depositorName: { type: 'string' } } }),
      responses: {
        '201': ok('deposited; the notification and what the webhook answered', { type: 'object', properties: { deposit: { type: 'object' }, notification: { type: 'object', properties: { url: { type: 'string' }, status: { type: 'integer' }, body: {}, error: { type: 'string' } } } } }),
        '422': problem('deposit_refused'),
        ...common,
      },
    },
  },
};
