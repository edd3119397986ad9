// `npm run worker`: a Temporal worker alone, against DATABASE_URL and TEMPORAL_ADDRESS (run many).
import { Client } from '@temporalio/client';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger } from '../runtime/logger.ts';
import { connectWorker } from '../runtime/connect.ts';
import { onShutdown } from '../runtime/shutdown.ts';
import { installWorkerTelemetry } from '../runtime/worker-telemetry.ts';
import { createWorker } from './worker.ts';
import { serviceActivityDeps } from './deps.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'worker');
if (!config.databaseUrl || !config.temporal.address) {
  logger.fatal('npm run worker needs DATABASE_URL and TEMPORAL_ADDRESS (use npm start for the all-in-one service)');
  process.exit(2);
}
installWorkerTelemetry(config.workerMetricsAddress, { task_queue: config.temporal.taskQueue });
const db = await openDatabase({ url: config.databaseUrl, migrate: true, poolSize: config.databasePoolSize, onIdleError: (err) => logger.warn({ err }, 'idle database connection lost') });
const connection = await connectWorker(config.temporal.address);
// Activities use a client over the same connection (the auto-recharge trigger's signal-with-start).
const client = new Client({ connection, namespace: config.temporal.namespace });
const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, ...serviceActivityDeps(db.prisma, config, logger, client) });
const running = worker.run();
logger.info(`worker polling task queue ${config.temporal.taskQueue}${config.workerMetricsAddress ? `; SDK metrics on http://${config.workerMetricsAddress}/metrics` : ''}`);
onShutdown(logger, async () => {
  // The Temporal runtime also reacts to SIGINT/SIGTERM and may already be draining the worker.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection.close();
  await db.close();
});
await running;
