// A 503 the API raises itself (a caller's consumptions queue full: api/routes/consumptions/singles.ts) is
// answered like an outage's 503: problem+json with Retry-After, so a client knows to retry with its key.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler, HttpProblem } from '../api/problem.ts';

describe('503 problems raised by the API', () => {
  it('carry Retry-After; other problems do not', async () => {
    const app = express();
    app.get('/busy', () => {
      throw new HttpProblem('service_unavailable', 'more than 2000 consumptions of this caller are waiting; retry with the same Idempotency-Key');
    });
    app.get('/missing', () => {
      throw new HttpProblem('not_found', 'account x not found');
    });
    app.use(errorHandler);
    const busy = await request(app).get('/busy');
    expect(busy.status).toBe(503);
    expect(busy.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
    expect(busy.body).toMatchObject({ code: 'service_unavailable', status: 503 });
    const missing = await request(app).get('/missing');
    expect(missing.status).toBe(404);
    expect(missing.headers['retry-after']).toBeUndefined();
  });
});
