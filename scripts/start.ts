// `npm start`: the whole service on one machine with zero setup — a Temporal dev server (unless
// TEMPORAL_ADDRESS is set), PostgreSQL (DATABASE_URL, or embedded PGlite under .data/), migrations, the
// worker and the API. State lives under .data/, so a restart loses neither balances nor waiting charges.
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger, installTemporalLogging } from '../runtime/logger.ts';
import { Client } from '@temporalio/client';
import { connectWorker } from '../runtime/connect.ts';
import { resolveAdminKey } from '../runtime/admin-key.ts';
import { onShutdown } from '../runtime/shutdown.ts';
import { PortInUseError, startEmbeddedTemporal, type EmbeddedTemporal } from '../runtime/temporal-server.ts';
import { createWorker } from '../worker/worker.ts';
import { serviceActivityDeps } from '../worker/deps.ts';
import { ensureIdempotencyRetentionSchedule } from '../worker/schedules.ts';
import { createApp } from '../api/app.ts';
import { resolveWebhookKey } from '../runtime/webhook-key.ts';
import { startWebhookDispatcher } from '../webhooks/dispatcher.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // A setting that cannot work (BUSINESS_HOURS with no open day, …): its message, without a stack.
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`npm start: ${err.message}\n`);
  process.exit(2);
}
const logger = createLogger(config.logLevel, 'points');
installTemporalLogging(logger);
const admin = resolveAdminKey(config.adminApiKey, config.dataDir);
config.adminApiKey = admin.key;
config.webhooks.encryptionKey = resolveWebhookKey(config.webhooks.encryptionKey, config.dataDir).key;

let embedded: EmbeddedTemporal | undefined;
if (!config.temporal.address) {
  logger.info('starting the embedded Temporal dev server');
  try {
    embedded = await startEmbeddedTemporal({
      dataDir: config.dataDir,
      namespace: config.temporal.namespace,
      port: config.temporalDevPort,
      uiPort: config.temporal.uiPort,
    });
  } catch (err) {
    if (!(err instanceof PortInUseError)) throw err;
    logger.fatal(err.message);
    process.stderr.write(`npm start: ${err.message}\n`);
    process.exit(1);
  }
}
const temporalAddress = config.temporal.address ?? embedded!.address;

logger.info(config.databaseUrl ? 'connecting to PostgreSQL and applying migrations' : `opening embedded PostgreSQL (PGlite) in ${config.pgliteDir}`);
const db = await openDatabase({
  url: config.databaseUrl,
  dataDir: config.pgliteDir,
  migrate: true,
  onIdleError: (err) => logger.warn({ err }, 'idle database connection lost'),
});

const workerConnection = await connectWorker(temporalAddress);
// The API's client shares the worker's native connection, so the server can hand a new workflow's first
// task straight to this worker (eager workflow start): one round trip less per consumption.
const client = new Client({ connection: workerConnection, namespace: config.temporal.namespace });
const worker = await createWorker({
  connection: workerConnection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  ...serviceActivityDeps(db.prisma, config, logger, client),
  workflowBundlePath: config.workflowBundlePath,
  maxCachedWorkflows: config.workerMaxCachedWorkflows,
});
const workerRun = worker.run();
await ensureIdempotencyRetentionSchedule(client, { taskQueue: config.temporal.taskQueue, retentionDays: config.idempotencyRetentionDays }).catch(
  (err: unknown) => logger.error({ err }, 'could not create the idempotency retention schedule; old idempotency records are not deleted'),
);
// Starts the delivery workflow of each webhook delivery committed with its event (webhooks/dispatcher.ts).
const dispatcher = startWebhookDispatcher({ db: db.prisma, temporal: client, taskQueue: config.temporal.taskQueue, settings: config.webhooks, logger });

const app = createApp({ db: db.prisma, temporal: client, eagerStart: true, config, logger, rateLimitStore: db.pool });
const server = app.listen(config.port, config.host, () => {
  const lines = [
    '',
    'Prepaid points service is running',
    `  API          http://${config.host}:${config.port}   (health: /healthz, metrics: /metrics)`,
    `  Temporal     ${temporalAddress}${embedded ? `   UI: ${embedded.uiUrl}` : ''}`,
    `  Database     ${db.kind === 'pglite' ? `PGlite in ${config.pgliteDir}` : 'PostgreSQL (DATABASE_URL)'}`,
    `  Admin key    ${admin.key}   (from ${admin.source})`,
    config.webhooks.allowHttp && config.webhooks.allowPrivateNetworks
      ? '  Webhooks     http:// and private addresses allowed (local testing): e.g. {"url":"http://127.0.0.1:4000/hook"}'
      : '  Webhooks     https and public addresses only; for a receiver on this machine restart with\n               WEBHOOK_ALLOW_HTTP=true WEBHOOK_ALLOW_PRIVATE_NETWORKS=true (see README, Webhooks)',
    `  Admin alerts ${config.webhooks.adminWebhookUrl ? 'posted to ADMIN_WEBHOOK_URL' : 'ADMIN_WEBHOOK_URL not set (admin events only on /admin)'}`,
    '  Stop with Ctrl-C.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
});

onShutdown(logger, async () => {
  try {
    await new Promise<void>((r) => server.close(() => r()));
    await dispatcher.stop();
    // The Temporal runtime also reacts to SIGINT/SIGTERM and may already be draining the worker.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await workerConnection.close();
    await db.close();
  } finally {
    await embedded?.stop();
  }
});
