// `npm run api`: the HTTP API alone, against DATABASE_URL and TEMPORAL_ADDRESS (stateless; run many).
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger } from '../runtime/logger.ts';
import { connectClient } from '../runtime/connect.ts';
import { resolveAdminKey } from '../runtime/admin-key.ts';
import { onShutdown } from '../runtime/shutdown.ts';
import { createApp } from './app.ts';
import { resolveWebhookKey } from '../runtime/webhook-key.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel, 'api');
if (!config.databaseUrl || !config.temporal.address) {
  logger.fatal('npm run api needs DATABASE_URL and TEMPORAL_ADDRESS (use npm start for the all-in-one service)');
  process.exit(2);
}
config.adminApiKey = resolveAdminKey(config.adminApiKey, config.dataDir).key;
config.webhooks.encryptionKey = resolveWebhookKey(config.webhooks.encryptionKey, config.dataDir).key;
const db = await openDatabase({
  url: config.databaseUrl,
  migrate: true,
  poolSize: config.databasePoolSize,
  onIdleError: (err) => logger.warn({ err }, 'idle database connection lost'),
});
const temporal = await connectClient(config.temporal.address, config.temporal.namespace);
const app = createApp({ db: db.prisma, temporal: temporal.client, config, logger, rateLimitStore: db.pool });
const server = app.listen(config.port, config.host, () => logger.info(`API listening on http://${config.host}:${config.port}`));
onShutdown(logger, async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await temporal.close();
  await db.close();
});
