// Rate limits over real PostgreSQL: two API instances over one database share one budget per API key and
// per client address (rate-limiter-flexible's PostgreSQL store in our "RateLimit" table); an address that
// used up its budget of missing or unknown keys is answered 429 before any key lookup; Retry-After is set;
// RATE_LIMIT_PER_MINUTE=0 switches every limit off; without a pool (PGlite) the limits live in memory.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import pg from 'pg';
import { pino } from 'pino';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import { createApp } from '../api/app.ts';
import { createRateLimiters } from '../api/rate-limit.ts';
import { loadConfig } from '../config/config.ts';
import { createAccount } from '../db/accounts.ts';
import type { Db } from '../db/client.ts';
import { createTestDatabase, type TestDatabase } from './support/db.ts';

const ADMIN = 'rate-limit-admin-key-0123456789';
let db: TestDatabase;
let secondPool: pg.Pool;
// No Temporal server is needed: these requests never reach a workflow (the client connects lazily).
const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
let lookups = 0;
let counted: Db;

beforeAll(async () => {
  db = await createTestDatabase();
  secondPool = new pg.Pool({ connectionString: db.url, max: 5 });
  // Counts API-key lookups (the Account read by its key hash) while passing them through.
  counted = db.prisma.$extends({
    query: {
      account: {
        findUnique({ args, query }) {
          if ('apiKeyHash' in (args.where ?? {})) lookups++;
          return query(args);
        },
      },
    },
  }) as unknown as Db;
});
afterAll(async () => {
  await secondPool?.end();
  await db?.drop();
});

function twoInstances(env: Record<string, string>): [Express, Express] {
  const config = loadConfig({ ADMIN_API_KEY: ADMIN, LOG_LEVEL: 'silent', ...env });
  const logger = pino({ level: 'silent' });
  return [
    createApp({ db: counted, temporal, config, logger, rateLimitStore: db.pool }),
    createApp({ db: counted, temporal, config, logger, rateLimitStore: secondPool }),
  ];
}

const from = (address: string) => (t: request.Test) => t.set('X-Forwarded-For', address);
const someAddress = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

describe('per API key, shared by API processes', () => {
  it('5 a minute across two instances over one database: the 6th request is 429 rate_limited with Retry-After', async () => {
    const [a, b] = twoInstances({ RATE_LIMIT_PER_MINUTE: '5' });
    const { account, apiKey } = await createAccount(db.prisma, { name: `RL ${randomUUID()}` });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const app = i % 2 === 0 ? a : b;
      statuses.push((await request(app).get(`/v1/accounts/${account.id}`).set('Authorization', `Bearer ${apiKey}`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    for (const app of [a, b]) {
      const res = await request(app).get(`/v1/accounts/${account.id}`).set('Authorization', `Bearer ${apiKey}`);
      expect(res.status).toBe(429);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // The budget is per key: another account is unaffected, and the admin key is exempt.
    const other = await createAccount(db.prisma, { name: `RL ${randomUUID()}` });
    expect((await request(b).get(`/v1/accounts/${other.account.id}`).set('Authorization', `Bearer ${other.apiKey}`)).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await request(a).get('/v1/prices').set('Authorization', `Bearer ${ADMIN}`)).status).toBe(200);
    // The shared state is one row per key in the migration's table.
    const rows = await db.prisma.rateLimit.findMany({ where: { key: `key:account:${account.id}` } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.points).toBeGreaterThanOrEqual(6);
  });
});

describe('missing and unknown keys, per client address', () => {
  it('after 3 from one address (across both instances), the next is 429 before any key lookup; other addresses are unaffected', async () => {
    const [a, b] = twoInstances({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_UNKNOWN_KEY_PER_MINUTE: '3' });
    const attacker = from(someAddress());
    const start = lookups;
    expect((await attacker(request(a).get('/v1/prices')).set('Authorization', 'Bearer pk_guess1')).status).toBe(401);
    expect((await attacker(request(b).get('/v1/prices'))).status).toBe(401); // no key at all
    expect((await attacker(request(a).get('/v1/prices')).set('Authorization', 'Bearer pk_guess2')).status).toBe(401);

    // Two keys were looked up (the request without a key needed no lookup).
    expect(lookups - start).toBe(2);
    const before = lookups;
    for (const app of [b, a, b]) {
      const res = await attacker(request(app).get('/v1/prices')).set('Authorization', `Bearer pk_guess-${randomUUID()}`);
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(lookups - before).toBe(0);

    // A client at another address with a real key goes on as usual.
    const { account, apiKey } = await createAccount(db.prisma, { name: `RL ${randomUUID()}` });
    const ok = await from(someAddress().replace('203.0.113', '198.51.100'))(request(b).get(`/v1/accounts/${account.id}`)).set(
      'Authorization',
      `Bearer ${apiKey}`,
    );
    expect(ok.status).toBe(200);
  });

  it('valid keys do not use up the address budget', async () => {
    const [a] = twoInstances({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_UNKNOWN_KEY_PER_MINUTE: '2' });
    const client = from(`192.0.2.${Math.floor(Math.random() * 250) + 1}`);
    const { apiKey } = await createAccount(db.prisma, { name: `RL ${randomUUID()}` });
    for (let i = 0; i < 10; i++) expect((await client(request(a).get('/v1/prices')).set('Authorization', `Bearer ${apiKey}`)).status).toBe(200);
  });
});

describe('charge-link pages, per client address', () => {
  it('share one budget across instances', async () => {
    const [a, b] = twoInstances({ RATE_LIMIT_PER_MINUTE: '3' });
    const visitor = from(`100.64.0.${Math.floor(Math.random() * 250) + 1}`);
    const statuses: number[] = [];
    for (const app of [a, b, a, b]) statuses.push((await visitor(request(app).get('/pay/cl_unknown').set('Accept', 'application/json'))).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
  });
});

describe('switches and fallbacks', () => {
  it('RATE_LIMIT_PER_MINUTE=0 switches every limit off, unknown keys included', async () => {
    const [a] = twoInstances({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_UNKNOWN_KEY_PER_MINUTE: '1' });
    const client = from(someAddress());
    for (let i = 0; i < 6; i++) expect((await client(request(a).get('/v1/prices')).set('Authorization', 'Bearer pk_nope')).status).toBe(401);
  });

  it('without a PostgreSQL pool (PGlite) each process limits in memory', async () => {
    const config = loadConfig({ ADMIN_API_KEY: ADMIN, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '2' });
    const limits = createRateLimiters(config);
    expect(limits.perKey?.constructor.name).toBe('RateLimiterMemory');
    const app = createApp({ db: counted, temporal, config, logger: pino({ level: 'silent' }), rateLimiters: limits });
    const { apiKey } = await createAccount(db.prisma, { name: `RL ${randomUUID()}` });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(app).get('/v1/prices').set('Authorization', `Bearer ${apiKey}`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(createRateLimiters(config, db.pool).perKey?.constructor.name).toBe('RateLimiterPostgres');
  });
});
