// `npm start`: the whole service on one machine with zero setup — a Temporal dev server (unless
// TEMPORAL_ADDRESS is set), PostgreSQL (DATABASE_URL, or embedded PGlite under .data/), migrations, the
// worker and the API. State lives under .data/, so a restart loses neither balances nor waiting charges.
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger } from '../runtime/logger.ts';
import { Client } from '@temporalio/client';
import { connectWorker } from '../runtime/connect.ts';
import { resolveAdminKey } from '../runtime/admin-key.ts';
import { onShutdown } from '../runtime/shutdown.ts';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../runtime/temporal-server.ts';
import { createWorker } from '../worker/worker.ts';
import { serviceActivityDeps } from '../worker/deps.ts';
import { createApp } from '../api/app.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'points');
const admin = resolveAdminKey(config.adminApiKey, config.dataDir);
config.adminApiKey = admin.key;

let embedded: EmbeddedTemporal | undefined;
if (!config.temporal.address) {
  logger.info('starting the embedded Temporal dev server');
  embedded = await startEmbeddedTemporal({ dataDir: config.dataDir, namespace: config.temporal.namespace, uiPort: config.temporal.uiPort });
}
const temporalAddress = config.temporal.address ?? embedded!.address;

logger.info(config.databaseUrl ? 'connecting to PostgreSQL and applying migrations' : `opening embedded PostgreSQL (PGlite) in ${config.pgliteDir}`);
const db = await openDatabase({ url: config.databaseUrl, dataDir: config.pgliteDir, migrate: true, onIdleError: (err) => logger.warn({ err }, 'idle database connection lost') });

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
});
const workerRun = worker.run();

const app = createApp({ db: db.prisma, temporal: client, eagerStart: true, config, logger });
const server = app.listen(config.port, config.host, () => {
  const lines = [
    '',
    'Prepaid points service is running',
    `  API          http://${config.host}:${config.port}   (health: /healthz, metrics: /metrics)`,
    `  Temporal     ${temporalAddress}${embedded ? `   UI: ${embedded.uiUrl}` : ''}`,
    `  Database     ${db.kind === 'pglite' ? `PGlite in ${config.pgliteDir}` : 'PostgreSQL (DATABASE_URL)'}`,
    `  Admin key    ${admin.key}   (from ${admin.source})`,
    '  Stop with Ctrl-C.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
});

onShutdown(logger, async () => {
  try {
    await new Promise<void>((r) => server.close(() => r()));
    // The Temporal runtime also reacts to SIGINT/SIGTERM and may already be draining the worker.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await workerConnection.close();
    await db.close();
  } finally {
    await embedded?.stop();
  }
});
