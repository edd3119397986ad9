// Prometheus metrics: process defaults, HTTP request durations, and business counters.
import { Router, type RequestHandler } from 'express';
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const businessEvents = new client.Counter({
  name: 'points_business_events_total',
  help: 'Business outcomes answered by the API (consumptions, charges, refunds) by kind and outcome',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

export const consumptionRuns = new client.Counter({
  name: 'points_single_consumption_runs_total',
  help: 'Workflows run for POST /v1/consumptions (api/routes/consumptions/singles.ts): own = one consumption in its own workflow, batch = consumptions that arrived together in one batch workflow; consumptions counts the consumptions they carried',
  labelNames: ['path', 'unit'] as const,
  registers: [registry],
});

export function httpMetrics(): RequestHandler {
  return (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

export function metricsRouter(): Router {
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return r;
}
