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

/** Workflow tasks a worker runs at once (the SDK's default: 40). */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 40;

/** Activities a worker runs at once (the SDK's default: 100). */
export const MAX_CONCURRENT_ACTIVITIES = 100;

/**
 * Pure modules the workflow bundle imports, evaluated once in the worker's reusable V8 context instead
 * of once per workflow run: the workflow entry imports the charge workflow, hence the business calendar
 * with luxon and the holiday tables, and evaluating them was most of the CPU of starting a short
 * workflow such as a consumption. They keep no per-workflow state (luxon's caches hold time zones and
 * formatters keyed by their inputs). Preloaded by path, so they resolve to the same modules (luxon's ESM
 * build) as the workflows' own imports.
 */
export const PRELOADED_WORKFLOW_MODULES = [fileURLToPath(new URL('../domain/calendar.ts', import.meta.url))];

export interface WorkerSetup extends ActivityDeps {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** Extra options (tests shorten timeouts, reuse a prebuilt bundle, …). */
  options?: Partial<WorkerOptions>;
  /** A prebuilt workflow bundle (TEMPORAL_WORKFLOW_BUNDLE) instead of bundling workflows/ at start. */
  workflowBundlePath?: string;
  /** Workflows kept in the cache (WORKER_MAX_CACHED_WORKFLOWS); default MAX_CACHED_WORKFLOWS. */
  maxCachedWorkflows?: number;
  /** Workflow tasks run at once (WORKER_MAX_CONCURRENT_WORKFLOW_TASKS); default MAX_CONCURRENT_WORKFLOW_TASKS. */
  maxConcurrentWorkflowTasks?: number;
  /** Activities run at once (WORKER_MAX_CONCURRENT_ACTIVITIES); default MAX_CONCURRENT_ACTIVITIES. */
  maxConcurrentActivities?: number;
}

export function createWorker(setup: WorkerSetup): Promise<Worker> {
  const { connection, namespace, taskQueue, options, workflowBundlePath, maxCachedWorkflows, maxConcurrentWorkflowTasks, maxConcurrentActivities, ...deps } =
    setup;
  return Worker.create({
    connection,
    namespace: namespace ?? 'default',
    taskQueue,
    ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath }),
    activities: createActivities(deps),
    maxCachedWorkflows: maxCachedWorkflows ?? MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: maxConcurrentWorkflowTasks ?? MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: maxConcurrentActivities ?? MAX_CONCURRENT_ACTIVITIES,
    bundlerOptions: { preloadModules: PRELOADED_WORKFLOW_MODULES },
    ...options,
  });
}
