// Builds a Temporal worker that runs every workflow and activity of the service.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Workflows kept in the worker's cache. The SDK's default grows with the heap limit (about 2,300 with a
 * 4 GB heap), at roughly 0.6 MB of resident memory each, so thousands of charges waiting for a deposit
 * took the process past 1.6 GB. A waiting workflow needs no cache: when its timer fires or a decision
 * arrives, an evicted one is replayed from its short history. Measured in `npm run bench -- --waiting`.
 */
export const MAX_CACHED_WORKFLOWS = 500;

export interface WorkerSetup extends ActivityDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** Extra options (tests shorten timeouts, reuse a prebuilt bundle, …). */
  options?: Partial<WorkerOptions>;
}

export function createWorker(setup: WorkerSetup): Promise<Worker> {
  const { connection, namespace, taskQueue, options, ...deps } = setup;
  return Worker.create({
    connection,
    namespace: namespace ?? 'default',
    taskQueue,
    workflowsPath,
    activities: createActivities(deps),
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    ...options,
  });
}
