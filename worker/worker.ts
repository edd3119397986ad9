// Builds a Temporal worker that runs every workflow and activity of the service.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerSetup extends ActivityDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** Extra options (tests shorten timeouts, reuse a prebuilt bundle, …). */
  options?: Partial<WorkerOptions>;
  /** A prebuilt workflow bundle (TEMPORAL_WORKFLOW_BUNDLE) instead of bundling workflows/ at start. */
  workflowBundlePath?: string;
}

export function createWorker(setup: WorkerSetup): Promise<Worker> {
  const { connection, namespace, taskQueue, options, workflowBundlePath, ...deps } = setup;
  return Worker.create({
    connection,
    namespace: namespace ?? 'default',
    taskQueue,
    ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath }),
    activities: createActivities(deps),
    ...options,
  });
}
