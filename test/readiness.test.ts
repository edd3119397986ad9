// Readiness and the calendar's configuration: /readyz names the dependency that is down without its error
// text (host, user and port go to the log only), reports the holiday data running out as a degraded
// calendar without taking the API out of service, and BUSINESS_HOURS that opens on no day is refused.
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import pg from 'pg';
import { pino } from 'pino';
import { Client, Connection } from '@temporalio/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { createApp } from '../api/app.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { holidayCoverage, holidayDataCoveredUntil, KOREAN_HOLIDAY_YEARS } from '../domain/holidays.ts';
import { startTestService, type TestService } from './support/service.ts';

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('holiday data coverage (pure)', () => {
  const last = Math.max(...KOREAN_HOLIDAY_YEARS);
  it('covers until the last day of the last year the package ships', () => {
    expect(holidayDataCoveredUntil()).toBe(`${last}-12-31`);
    expect(holidayDataCoveredUntil([2024, 2025])).toBe('2025-12-31');
  });
  it('is covered while the next 90 days (plus a day for time zones) stay inside the data', () => {
    const years = [2025, 2026, 2027];
    expect(holidayCoverage(new Date('2027-10-01T00:00:00Z'), 90, years)).toEqual({ coveredUntil: '2027-12-31', neededUntil: '2027-12-31', covered: true });
    expect(holidayCoverage(new Date('2027-10-02T00:00:00Z'), 90, years)).toMatchObject({ neededUntil: '2028-01-01', covered: false });
    expect(holidayCoverage(new Date('2026-06-01T00:00:00Z'), 90, years).covered).toBe(true);
    // Before the data starts is not covered either.
    expect(holidayCoverage(new Date('2024-06-01T00:00:00Z'), 90, years).covered).toBe(false);
  });
});

describe('BUSINESS_HOURS', () => {
  const closedWeek = JSON.stringify({ 1: null, 2: null, 3: null, 4: null, 5: null, 6: null, 7: null });
  it('with no open day is refused at start with a message that says so', () => {
    for (const value of [closedWeek, '{}']) {
      expect(() => loadConfig({ BUSINESS_HOURS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ BUSINESS_HOURS: value })).toThrow(/BUSINESS_HOURS opens on no day of the week/);
    }
  });
  it('malformed hours name the variable; one open day is enough', () => {
    expect(() => loadConfig({ BUSINESS_HOURS: '{"1":{"open":"18:00","close":"09:00"}}' })).toThrow(
      /^BUSINESS_HOURS is not valid \(Weekday 1: open 18:00 must be before close 09:00\)/,
    );
    expect(() => loadConfig({ BUSINESS_HOURS: 'not json' })).toThrow(/BUSINESS_HOURS is not valid/);
    const config = loadConfig({ BUSINESS_HOURS: '{"3":{"open":"10:00","close":"12:00"}}' });
    expect(config.calendar.hours[3]).toEqual({ open: '10:00', close: '12:00' });
    expect(config.calendar.hours[1]).toBeNull();
  });
});

describe('/readyz', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('is 200 ready with a status per dependency when all is well', async () => {
    const res = await request(svc.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ready',
      checks: { database: 'ok', temporal: 'ok', calendar: 'ok' },
      calendar: { holidayDataUntil: holidayDataCoveredUntil() },
    });
  });

  it('reports a degraded calendar (still 200) and warns at start when the holiday data ends within 90 days', async () => {
    const { logger, lines } = capturingLogger();
    const late = Date.parse(`${Math.max(...KOREAN_HOLIDAY_YEARS)}-11-15T00:00:00Z`);
    const app = createApp({ db: svc.db.prisma, temporal: svc.env.client, config: svc.config, logger, now: () => late });
    expect(lines.some((l) => /holiday data .* ends/.test(l) && l.includes('"level":40'))).toBe(true);
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', checks: { database: 'ok', temporal: 'ok', calendar: 'degraded' } });
    // Today's data covers the next 90 days: no warning.
    const quiet = capturingLogger();
    createApp({ db: svc.db.prisma, temporal: svc.env.client, config: svc.config, logger: quiet.logger });
    expect(quiet.lines.filter((l) => l.includes('holiday data'))).toEqual([]);
  });

  it('names the dependency that is down (503) without its error text, which goes to the log', async () => {
    const dbPort = await closedPort();
    const temporalPort = await closedPort();
    const pool = new pg.Pool({ connectionString: `postgresql://readyz_secret_user:pw@127.0.0.1:${dbPort}/readyz_db`, connectionTimeoutMillis: 1_000 });
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    // No retry interceptor: a retry timer still pending when the connection closes throws outside the test.
    const connection = Connection.lazy({ address: `127.0.0.1:${temporalPort}`, connectTimeout: 1_000, interceptors: [] });
    const temporal = new Client({ connection });
    const { logger, lines } = capturingLogger();
    try {
      const app = createApp({ db: prisma, temporal, config: svc.config, logger });
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'not_ready', checks: { database: 'down', temporal: 'down', calendar: 'ok' } });
      for (const secret of ['readyz_secret_user', String(dbPort), String(temporalPort), '127.0.0.1', 'ECONNREFUSED']) {
        expect(res.text, secret).not.toContain(secret);
      }
      const logged = lines.join('');
      expect(logged).toContain('"dependency":"database"');
      expect(logged).toContain('"dependency":"temporal"');
      expect(logged).toMatch(new RegExp(`${dbPort}|ECONNREFUSED`));
    } finally {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
      await connection.close().catch(() => {});
    }
  });
});
