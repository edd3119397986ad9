// `npm run worker`: a Temporal worker alone, against DATABASE_URL and TEMPORAL_ADDRESS (run many).
import { getHeapStatistics } from 'node:v8';
import { Client } from '@temporalio/client';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger, installTemporalLogging } from '../runtime/logger.ts';
import { connectWorker } from '../runtime/connect.ts';
import { onShutdown } from '../runtime/shutdown.ts';
import { workerTelemetryOptions } from '../runtime/worker-telemetry.ts';
import { createWorker, WORKER_HEAP_MB } from './worker.ts';
import { serviceActivityDeps } from './deps.ts';
import { ensureIdempotencyRetentionSchedule } from './schedules.ts';
import { resolveWebhookKey } from '../runtime/webhook-key.ts';
import { startWebhookDispatcher } from '../webhooks/dispatcher.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'worker');
installTemporalLogging(logger, workerTelemetryOptions(config.workerMetricsAddress, { task_queue: config.temporal.taskQueue }));
if (!config.databaseUrl || !config.temporal.address) {
  logger.fatal('npm run worker needs DATABASE_URL and TEMPORAL_ADDRESS (use npm start for the all-in-one service)');
  process.exit(2);
}
// From a heap limit of 2 GB, V8 lets each heap grow to about 4× its live size between full collections:
// started without `npm run worker`'s limit, the worker's memory swings far higher under load (worker.ts).
const heapLimitMb = getHeapStatistics().heap_size_limit / 1024 / 1024;
if (heapLimitMb >= 2048) {
  logger.warn(
    `the V8 heap limit is ${heapLimitMb.toFixed(0)} MB: start the worker with --max-old-space-size=${WORKER_HEAP_MB} (npm run worker does) to keep its memory bounded under load`,
  );
}
config.webhooks.encryptionKey = resolveWebhookKey(config.webhooks.encryptionKey, config.dataDir).key;
const db = await openDatabase({
  url: config.databaseUrl,
  migrate: true,
  poolSize: config.databasePoolSize,
  onIdleError: (err) => logger.warn({ err }, 'idle database connection lost'),
});
const connection = await connectWorker(config.temporal.address);
// Activities use a client over the same connection (the auto-recharge trigger's signal-with-start).
const client = new Client({ connection, namespace: config.temporal.namespace });
const worker = await createWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  ...serviceActivityDeps(db.prisma, config, logger, client),
  workflowBundlePath: config.workflowBundlePath,
  maxCachedWorkflows: config.workerMaxCachedWorkflows,
});
const running = worker.run();
const dispatcher = startWebhookDispatcher({ db: db.prisma, temporal: client, taskQueue: config.temporal.taskQueue, settings: config.webhooks, logger });
logger.info(
  `worker polling task queue ${config.temporal.taskQueue}${config.workerMetricsAddress ? `; SDK metrics on http://${config.workerMetricsAddress}/metrics` : ''}`,
);
await ensureIdempotencyRetentionSchedule(client, { taskQueue: config.temporal.taskQueue, retentionDays: config.idempotencyRetentionDays }).catch(
  (err: unknown) => logger.error({ err }, 'could not create the idempotency retention schedule; old idempotency records are not deleted'),
);
onShutdown(logger, async () => {
  await dispatcher.stop();
  // The Temporal runtime also reacts to SIGINT/SIGTERM and may already be draining the worker.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection.close();
  await db.close();
});
await running;
