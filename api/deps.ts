// What the HTTP API is built from. Its own module so that routers import it without importing the app
// that mounts them (no import circle through api/app.ts).
import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Db } from '../db/client.ts';
import type { Config } from '../config/config.ts';
import type { PaymentGateway } from '../activities/gateway.ts';
import type { RateLimiters } from './rate-limit.ts';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
  /** Describes card tokens for stored cards; defaults to the simulated gateway. */
  gateway?: PaymentGateway;
  /** The client shares a NativeConnection with a worker of this process: request eager workflow start. */
  eagerStart?: boolean;
  /** The PostgreSQL pool the rate limits are kept in (shared by API processes); absent: in memory. */
  rateLimitStore?: pg.Pool;
  /** Prebuilt limiters (instead of building them from config and rateLimitStore). */
  rateLimiters?: RateLimiters;
  /** The clock of the readiness checks (tests move it); defaults to Date.now. */
  now?: () => number;
}
