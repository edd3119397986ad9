// The production dependencies of the activities, from configuration.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { Config } from '../config/config.ts';
import type { ActivityDeps } from '../activities/index.ts';
import type { Client } from '@temporalio/client';
import { SimulatedGateway } from '../activities/gateway.ts';

export function serviceActivityDeps(db: Db, config: Config, logger: Logger, temporal?: Client): ActivityDeps {
  // The simulated card gateway of the spec is the one gateway so far; a real one would be chosen here.
  // The Temporal client lets a consumption signal-with-start its funding account's auto-recharge.
  return { db, logger, gateway: new SimulatedGateway(db, config.simulatedGateway), temporal, charging: config, webhooks: config.webhooks };
}
