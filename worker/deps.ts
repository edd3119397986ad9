// The production dependencies of the activities, from configuration.
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { Config } from '../config/config.ts';
import type { ActivityDeps } from '../activities/index.ts';

export function serviceActivityDeps(db: Db, _config: Config, logger: Logger): ActivityDeps {
  return { db, logger };
}
