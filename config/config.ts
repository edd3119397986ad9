// Runtime configuration from the environment, validated once at start-up.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_ITEM_NAMES, DEFAULT_PRICES, type ItemNames, type PriceList } from '../domain/money.ts';
import type { DeliverySchedule } from '../domain/webhooks.ts';
import { assertValidCalendar, defaultCalendar, type BusinessCalendar } from '../domain/calendar.ts';

const csv = z
  .string()
  .optional()
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );

const intFrom = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_BASE_URL: z.string().url().optional(),
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default('.data'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('points'),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BUSINESS_TIMEZONE: z.string().default('Asia/Seoul'),
  EXTRA_CLOSED_DATES: csv,
  /** JSON: ISO weekday (1=Mon) → {"open":"HH:mm","close":"HH:mm"} or null; replaces the default hours. */
  BUSINESS_HOURS: z.string().optional(),
  BANK_TRANSFER_CUTOFF: z
    .string()
    .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/)
    .or(z.literal('none'))
    .default('16:00'),
  CONFIRM_WITHIN_BUSINESS_HOURS: z.coerce.number().positive().default(1),
  EXPIRE_AFTER_BUSINESS_DAYS: z.coerce.number().int().positive().default(5),
  REFUND_REMIND_AFTER_BUSINESS_DAYS: z.coerce.number().int().positive().default(1),
  REFUND_OVERDUE_AFTER_BUSINESS_DAYS: z.coerce.number().int().positive().default(5),
  CHARGE_MIN_CARD: intFrom(50_000),
  CHARGE_MIN_BANK_TRANSFER: intFrom(50_000),
  CHARGE_MAX: intFrom(100_000_000),
  BANK_NAME: z.string().default('Demo Bank'),
  BANK_ACCOUNT_NUMBER: z.string().default('000-000000-00-000'),
  BANK_ACCOUNT_HOLDER: z.string().default('Prepaid Points Operator'),
  PRICE_LIST: z.string().optional(),
  /** JSON: item code → display name on the pages, merged over the defaults (문자(SMS), 장문(LMS), …). */
  ITEM_NAMES: z.string().optional(),
  RATE_LIMIT_PER_MINUTE: intFrom(600),
  /** How long POST /v1/charges waits for a card charge's outcome before answering 202 pending. */
  CARD_CHARGE_WAIT_MS: intFrom(10_000),
  /** The simulated gateway's tok_lost_answer and tok_outage windows (SPEC §6.1: 90 s and 60 s). */
  SIMULATED_GATEWAY_LOST_ANSWER_MS: intFrom(90_000),
  SIMULATED_GATEWAY_OUTAGE_MS: intFrom(60_000),
  /** Requests a minute per client address whose key is missing or unknown (0 = no such limit). */
  RATE_LIMIT_UNKNOWN_KEY_PER_MINUTE: intFrom(30),
  /** Port of the embedded Temporal dev server of `npm start`. */
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  /** Idempotency records older than this are deleted (a key replayed later runs again). */
  IDEMPOTENCY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Automatic refund reasons on consumptions older than this go to an admin's review. */
  AUTO_REFUND_WINDOW_DAYS: z.coerce.number().int().min(0).max(3650).default(7),
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  ADMIN_WEBHOOK_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  WEBHOOK_ENCRYPTION_KEY: z.string().optional(),
  WEBHOOK_ATTEMPT_TIMEOUT_SECONDS: z.coerce.number().positive().default(10),
  WEBHOOK_RETRY_INITIAL_SECONDS: z.coerce.number().positive().default(10),
  WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: z.coerce.number().positive().default(3600),
  WEBHOOK_GIVE_UP_AFTER_HOURS: z.coerce.number().positive().default(72),
  WEBHOOK_DISPATCH_INTERVAL_MS: z.coerce.number().int().positive().default(500),
  /** How long the API waits for Temporal while serving one request before answering 503 (0: no deadline). */
  API_TEMPORAL_TIMEOUT_MS: intFrom(30_000),
  /** A request still unanswered after this is answered 503 (0: never). */
  API_REQUEST_TIMEOUT_MS: intFrom(45_000),
  /** A workflow bundle prebuilt with bundleWorkflowCode (e.g. at image build); workers then skip bundling at start. */
  TEMPORAL_WORKFLOW_BUNDLE: z.string().optional(),
  /** Connections in this process's PostgreSQL pool (each API and worker process has its own). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** host:port where a worker process serves the Temporal SDK's Prometheus metrics (unset: not exported). */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:[0-9]{1,5}$/, 'host:port')
    .optional(),
  /** Virtual accounts (SPEC §6.2): hours from the request to dueAt, and the per-charge minimum. */
  VIRTUAL_ACCOUNT_VALID_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(72),
  CHARGE_MIN_VIRTUAL_ACCOUNT: intFrom(50_000),
  /** Shared secrets of the signed webhooks; unset: a random one per process (fine for npm start). */
  GATEWAY_WEBHOOK_SECRET: z.string().min(16, 'GATEWAY_WEBHOOK_SECRET must be at least 16 characters').optional(),
  BANK_WEBHOOK_SECRET: z.string().min(16, 'BANK_WEBHOOK_SECRET must be at least 16 characters').optional(),
  /** Workflows a worker keeps in its cache (0: none); unset: worker/worker.ts's MAX_CACHED_WORKFLOWS. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().optional(),
});

export interface BankAccount {
  bank: string;
  accountNumber: string;
  holder: string;
}

export interface ChargeLimits {
  minimum: { card: number; bank_transfer: number; virtual_account: number };
  maximum: number;
}

export interface Config {
  port: number;
  host: string;
  publicBaseUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  pgliteDir: string;
  temporal: { address: string | undefined; namespace: string; taskQueue: string; uiPort: number };
  adminApiKey: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** The business calendar handed to workflows at start (plain JSON). */
  calendar: BusinessCalendar;
  schedule: {
    confirmWithinBusinessHours: number;
    expireAfterBusinessDays: number;
    refundRemindAfterBusinessDays: number;
    refundOverdueAfterBusinessDays: number;
  };
  chargeLimits: ChargeLimits;
  bankAccount: BankAccount;
  prices: PriceList;
  /** Display names of the price list's items on the pages. */
  itemNames: ItemNames;
  rateLimitPerMinute: number;
  cardChargeWaitMs: number;
  simulatedGateway: { lostAnswerMs: number; outageMs: number };
  rateLimitUnknownKeyPerMinute: number;
  temporalDevPort: number;
  idempotencyRetentionDays: number;
  autoRefundWindowDays: number;
  apiTemporalTimeoutMs: number;
  apiRequestTimeoutMs: number;
  workflowBundlePath: string | undefined;
  databasePoolSize: number;
  workerMetricsAddress: string | undefined;
  webhooks: WebhookSettings;
  virtualAccountValidHours: number;
  /** HMAC secrets of POST /webhooks/gateway and POST /webhooks/bank. */
  webhookSecrets: { gateway: string; bank: string };
  /** The worker's workflow cache size; undefined: worker/worker.ts's default. */
  workerMaxCachedWorkflows: number | undefined;
}

/** Webhook delivery settings (SPEC §6.3); `encryptionKey` is resolved at start-up (runtime/webhook-key.ts). */
export interface WebhookSettings {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  adminWebhookUrl: string | undefined;
  encryptionKey: string | undefined;
  schedule: DeliverySchedule;
  dispatchIntervalMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = EnvSchema.parse(env);
  const prices = e.PRICE_LIST ? z.record(z.string(), z.number().int().positive()).parse(JSON.parse(e.PRICE_LIST)) : DEFAULT_PRICES;
  return {
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: e.DATA_DIR,
    pgliteDir: `${e.DATA_DIR}/pglite`,
    temporal: { address: e.TEMPORAL_ADDRESS || undefined, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE, uiPort: e.TEMPORAL_UI_PORT },
    adminApiKey: e.ADMIN_API_KEY,
    logLevel: e.LOG_LEVEL,
    calendar: buildCalendar(e),
    schedule: {
      confirmWithinBusinessHours: e.CONFIRM_WITHIN_BUSINESS_HOURS,
      expireAfterBusinessDays: e.EXPIRE_AFTER_BUSINESS_DAYS,
      refundRemindAfterBusinessDays: e.REFUND_REMIND_AFTER_BUSINESS_DAYS,
      refundOverdueAfterBusinessDays: e.REFUND_OVERDUE_AFTER_BUSINESS_DAYS,
    },
    chargeLimits: {
      minimum: { card: e.CHARGE_MIN_CARD, bank_transfer: e.CHARGE_MIN_BANK_TRANSFER, virtual_account: e.CHARGE_MIN_VIRTUAL_ACCOUNT },
      maximum: e.CHARGE_MAX,
    },
    bankAccount: { bank: e.BANK_NAME, accountNumber: e.BANK_ACCOUNT_NUMBER, holder: e.BANK_ACCOUNT_HOLDER },
    prices,
    itemNames: { ...DEFAULT_ITEM_NAMES, ...(e.ITEM_NAMES ? z.record(z.string(), z.string().trim().min(1).max(40)).parse(JSON.parse(e.ITEM_NAMES)) : {}) },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    cardChargeWaitMs: e.CARD_CHARGE_WAIT_MS,
    simulatedGateway: { lostAnswerMs: e.SIMULATED_GATEWAY_LOST_ANSWER_MS, outageMs: e.SIMULATED_GATEWAY_OUTAGE_MS },
    rateLimitUnknownKeyPerMinute: e.RATE_LIMIT_UNKNOWN_KEY_PER_MINUTE,
    temporalDevPort: e.TEMPORAL_DEV_PORT,
    idempotencyRetentionDays: e.IDEMPOTENCY_RETENTION_DAYS,
    autoRefundWindowDays: e.AUTO_REFUND_WINDOW_DAYS,
    webhooks: {
      allowHttp: e.WEBHOOK_ALLOW_HTTP === 'true',
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true',
      adminWebhookUrl: e.ADMIN_WEBHOOK_URL || undefined,
      encryptionKey: e.WEBHOOK_ENCRYPTION_KEY || undefined,
      schedule: {
        attemptTimeoutMs: e.WEBHOOK_ATTEMPT_TIMEOUT_SECONDS * 1000,
        initialIntervalMs: e.WEBHOOK_RETRY_INITIAL_SECONDS * 1000,
        maximumIntervalMs: e.WEBHOOK_RETRY_MAX_INTERVAL_SECONDS * 1000,
        giveUpAfterMs: e.WEBHOOK_GIVE_UP_AFTER_HOURS * 3_600_000,
      },
      dispatchIntervalMs: e.WEBHOOK_DISPATCH_INTERVAL_MS,
    },
    apiTemporalTimeoutMs: e.API_TEMPORAL_TIMEOUT_MS,
    apiRequestTimeoutMs: e.API_REQUEST_TIMEOUT_MS,
    workflowBundlePath: e.TEMPORAL_WORKFLOW_BUNDLE || undefined,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    workerMetricsAddress: e.WORKER_METRICS_ADDRESS || undefined,
    virtualAccountValidHours: e.VIRTUAL_ACCOUNT_VALID_HOURS,
    webhookSecrets: { gateway: e.GATEWAY_WEBHOOK_SECRET ?? randomBytes(32).toString('hex'), bank: e.BANK_WEBHOOK_SECRET ?? randomBytes(32).toString('hex') },
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
  };
}

/** A setting that cannot work; its message says which and why (shown at start without a stack). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const Hours = z.object({ open: z.string(), close: z.string() }).nullable();

function buildCalendar(e: z.infer<typeof EnvSchema>): BusinessCalendar {
  const cal = defaultCalendar({ extraClosedDates: e.EXTRA_CLOSED_DATES });
  cal.timeZone = e.BUSINESS_TIMEZONE;
  cal.cutoff = e.BANK_TRANSFER_CUTOFF === 'none' ? null : e.BANK_TRANSFER_CUTOFF;
  if (e.BUSINESS_HOURS) {
    try {
      // Days left out are closed (zod 4's record over an enum would demand all seven).
      const hours = z.partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7']), Hours).parse(JSON.parse(e.BUSINESS_HOURS));
      for (const day of [1, 2, 3, 4, 5, 6, 7] as const) cal.hours[day] = hours[String(day) as '1'] ?? null;
      assertValidCalendar(cal);
    } catch (err) {
      const why = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ') : (err as Error).message;
      throw new ConfigError(`BUSINESS_HOURS is not valid (${why}); expected JSON like {"1":{"open":"09:30","close":"18:30"},"6":null}`);
    }
    if (([1, 2, 3, 4, 5, 6, 7] as const).every((day) => cal.hours[day] === null)) {
      throw new ConfigError(
        'BUSINESS_HOURS opens on no day of the week: bank transfers would never be picked up. Give at least one ISO weekday (1 = Monday) {"open":"HH:mm","close":"HH:mm"}.',
      );
    }
  }
  assertValidCalendar(cal);
  return cal;
}
