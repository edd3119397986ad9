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

/**
 * The V8 heap limit (MB) of a worker process: `npm run worker` starts it with
 * `--max-old-space-size=768` (package.json; test/config-worker.test.ts keeps the two equal).
 *
 * This limit, not the number of workflow tasks in flight, is what sets how high the worker's memory
 * swings under load. Node's default limit here is about 4 GB (it follows the machine's memory), and V8
 * lets a heap with a limit of 2 GB or more grow to about 4× its live size before a full collection
 * (a smaller limit: about 1.3–1.6×). The worker's live heap is about 100 MB on the main thread (Prisma,
 * the SDK's activations and completions) plus the cached workflows on the workflow thread, so its main
 * heap alone swung between 100 and 365 MB while charges were opened 64 at a time, and the process from
 * 0.7 to 1.2 GB resident. Measured with `npm run bench -- --waiting 3000` (BENCH_WORKER=process, 3,000
 * bank-transfer and virtual-account charges, two runs each): highest resident memory 1,094 / 1,113 MB
 * with Node's default limit, 731 / 699 MB with 768 MB, flat at 700–730 MB through opening, deposits,
 * endings and expiries; 10,000 waiting peaked at 724 MB. The price is more frequent collections: 15–25 %
 * more worker CPU per charge opened, paid or ended. Fewer workflow tasks and activities at once (10 and 20
 * instead of the SDK's 40 and 100) did not lower it (1,149 MB) and slowed opening to 21/s.
 *
 * 768 MB is room for several times the live heap of each thread (the workflow thread has its own heap with
 * the same limit); a larger cache (WORKER_MAX_CACHED_WORKFLOWS) needs a larger limit. The SDK also sizes
 * its defaults from this limit (MAX_CACHED_WORKFLOWS overrides its cache size).
 */
export const WORKER_HEAP_MB = 768;

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
}

export function createWorker(setup: WorkerSetup): Promise<Worker> {
  const { connection, namespace, taskQueue, options, workflowBundlePath, maxCachedWorkflows, ...deps } = setup;
  return Worker.create({
    connection,
    namespace: namespace ?? 'default',
    taskQueue,
    ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath }),
    activities: createActivities(deps),
    maxCachedWorkflows: maxCachedWorkflows ?? MAX_CACHED_WORKFLOWS,
    bundlerOptions: { preloadModules: PRELOADED_WORKFLOW_MODULES },
    ...options,
  });
}
