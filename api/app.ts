// The HTTP API: built by a function and exported apart from listen(), so tests drive it in-process.
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { stdSerializers } from 'pino';
import { authenticate } from './auth.ts';
import { errorHandler, HttpProblem } from './problem.ts';
import { httpMetrics, metricsRouter } from './metrics.ts';
import { healthRouter } from './routes/health.ts';
import { openApiRouter } from './openapi.ts';
import { accountsRouter } from './routes/accounts/route.ts';
import { pricesRouter } from './routes/prices.ts';
import { consumptionsRouter } from './routes/consumptions/route.ts';
import { consumptionBatchRouter } from './routes/consumptions/batch-route.ts';
import { chargesRouter } from './routes/charges/route.ts';
import { paymentMethodsRouter } from './routes/payment-methods/route.ts';
import { refundsRouter } from './routes/refunds/route.ts';
import { autoRechargeRouter } from './routes/auto-recharge/route.ts';
import { createRateLimiters, limitPayPages, limitPerKey, unknownKeyGuard } from './rate-limit.ts';
import { chargeLinksRouter } from './routes/charge-links/route.ts';
import { payRouter } from './routes/charge-links/pay-route.ts';
import { redactDeep } from '../runtime/logger.ts';
import { adminEventsRouter, adminPageRouter } from './routes/admin/route.ts';
import { warnIfHolidayDataEnds } from '../runtime/calendar-check.ts';
import { webhooksRouter } from './routes/webhooks/route.ts';
import { balanceAlertsRouter } from './routes/balance-alerts/route.ts';
import { answerWithin, temporalDeadline } from './availability.ts';
import { depositsRouter } from './routes/deposits/route.ts';
import { inboundWebhooksRouter } from './routes/deposits/webhooks-route.ts';
import type { AppDeps } from './deps.ts';

// AppDeps lives in api/deps.ts (routers import it from there); re-exported for existing importers.
export type { AppDeps } from './deps.ts';

export function createApp(deps: AppDeps): Express {
  const app = express();
  // Shared by every API process through PostgreSQL when the ledger's pg pool is given; in memory otherwise.
  const limits = deps.rateLimiters ?? createRateLimiters(deps.config, deps.rateLimitStore);
  warnIfHolidayDataEnds(deps.logger, new Date((deps.now ?? Date.now)()));
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: deps.logger,
      customProps: (req) => ({ principal: req.principal?.kind }),
      // A charge-link token is a bearer secret: keep it out of every field of the access log (URL, headers
      // such as Referer, errors), also with a logger that did not come from createLogger.
      serializers: {
        req: (req: { params?: unknown }) => redactDeep({ ...req, params: undefined }),
        res: (res: object) => redactDeep(res),
        err: (err: Error) => redactDeep(stdSerializers.err(err)),
      },
    }),
  );
  app.use(httpMetrics());
  // Every Temporal call of a request has a deadline: an unreachable Temporal is a prompt 503, never a hang;
  // and whatever else keeps a request waiting, it is answered (503) by the backstop.
  app.use(temporalDeadline(deps.temporal, deps.config.apiTemporalTimeoutMs));
  app.use(answerWithin(deps.config.apiRequestTimeoutMs));
  // Signed webhooks verify their raw body: mounted before the JSON parser.
  app.use(inboundWebhooksRouter(deps));
  // A batch of up to 1,000 consumptions is larger than any other request (its own limit; the next parser skips
  // it). It becomes one workflow's input, which must fit Temporal's payload limit (2 MB by default) with the
  // ids added to each item: a larger body is refused here (400), before any key is claimed.
  app.use('/v1/consumptions/batch', express.json({ limit: '1536kb', strict: true }));
  app.use(express.json({ limit: '100kb', strict: true }));

  app.use(healthRouter(deps));
  app.use(metricsRouter());
  app.use(openApiRouter(deps.config));
  // Pages outside /v1's Bearer auth: the charge-link page (its token is the credential) and the admin page
  // (its script sends the admin key to the JSON API).
  // The charge-link pages need no key: limit them per client address instead.
  app.use('/pay', limitPayPages(limits));
  app.use(payRouter(deps));
  app.use(adminPageRouter(deps));

  const v1 = express.Router();
  v1.use(authenticate(deps.db, deps.config.adminApiKey, unknownKeyGuard(limits)));
  v1.use(limitPerKey(limits));
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
  v1.use(webhooksRouter(deps));
  v1.use(balanceAlertsRouter(deps));
  v1.use(depositsRouter(deps));
  app.use('/v1', v1);

  app.use((req) => {
    throw new HttpProblem('not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;
}
