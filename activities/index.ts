// Every activity, built from its dependencies (the saga sample's createActivities(deps) pattern): tests
// pass real PostgreSQL and fakes of the external gateway with the same types.
import type { Db } from '../db/client.ts';
import { createConsumptionActivities } from './consumption.ts';

export interface ActivityDeps {
  db: Db;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createConsumptionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
