// The HTTP API: built by a function and exported apart from listen(), so tests drive it in-process.
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import type { Config } from '../config/config.ts';
import { authenticate } from './auth.ts';
import { errorHandler, HttpProblem } from './problem.ts';
import { httpMetrics, metricsRouter } from './metrics.ts';
import { healthRouter } from './routes/health.ts';
import { openApiRouter } from './openapi.ts';
import { accountsRouter } from './routes/accounts.ts';
import { pricesRouter } from './routes/prices.ts';
import { consumptionsRouter } from './routes/consumptions.ts';
import { consumptionBatchRouter } from './routes/consumption-batch.ts';
import { chargesRouter } from './routes/charges.ts';
import { paymentMethodsRouter } from './routes/payment-methods.ts';
import type { PaymentGateway } from '../activities/gateway.ts';
import { refundsRouter } from './routes/refunds.ts';
import { autoRechargeRouter } from './routes/auto-recharge.ts';
import { rateLimit } from './rate-limit.ts';
import { chargeLinksRouter, payRouter, redactChargeLinkTokens } from './routes/charge-links.ts';
import { adminEventsRouter, adminPageRouter } from './routes/admin.ts';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
  /** Describes card tokens for stored cards; defaults to the simulated gateway. */
  gateway?: PaymentGateway;
  /** The client shares a NativeConnection with a worker of this process: request eager workflow start. */
  eagerStart?: boolean;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: deps.logger,
      customProps: (req) => ({ principal: req.principal?.kind }),
      // A charge-link token in a path is a bearer secret: keep it out of the access log.
      serializers: { req: (req: { url?: string; params?: unknown }) => ({ ...req, url: redactChargeLinkTokens(req.url), params: undefined }) },
    }),
  );
  app.use(httpMetrics());
  // A batch of up to 1,000 consumptions is larger than any other request (its own limit; the next parser skips it).
  app.use('/v1/consumptions/batch', express.json({ limit: '2mb', strict: true }));
  app.use(express.json({ limit: '100kb', strict: true }));

  app.use(healthRouter(deps));
  app.use(metricsRouter());
  app.use(openApiRouter());
  // Pages outside /v1's Bearer auth: the charge-link page (its token is the credential) and the admin page
  // (its script sends the admin key to the JSON API).
  // The charge-link pages need no key: limit them per client address instead.
  app.use('/pay', rateLimit(deps.config.rateLimitPerMinute, Date.now, (req) => `pay:${req.ip}`));
  app.use(payRouter(deps));
  app.use(adminPageRouter(deps));

  const v1 = express.Router();
  v1.use(authenticate(deps.db, deps.config.adminApiKey));
  v1.use(rateLimit(deps.config.rateLimitPerMinute));
  v1.use(accountsRouter(deps));
  v1.use(pricesRouter(deps));
  v1.use(consumptionBatchRouter(deps));
  v1.use(consumptionsRouter(deps));
  v1.use(paymentMethodsRouter(deps));
  v1.use(chargesRouter(deps));
  v1.use(refundsRouter(deps));
  v1.use(chargeLinksRouter(deps));
  v1.use(adminEventsRouter(deps));
  v1.use(autoRechargeRouter(deps));
  app.use('/v1', v1);

  app.use((req) => {
    throw new HttpProblem('not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;
}
