// One harness for workflow tests: a Temporal test environment (time-skipping by default, or the dev
// server), a freshly migrated PostgreSQL database, the workflow code bundled once for the file, and
// workers with the real activities over that database (test/support/seed.ts seeds funded accounts).
// Call it at the top of a test file: it registers the file's beforeAll/afterAll, and its fields are
// there once beforeAll has run. Teardown is awaited: the shared worker drains, the server stops, the
// database is dropped.
//
//   const h = useWorkflowHarness({ sharedWorker: true });
//   it('…', async () => { await h.env.client.workflow.execute(…, { taskQueue: h.taskQueue, … }); });
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorker, workflowsPath } from '../../worker/worker.ts';
import type { ActivityDeps } from '../../activities/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { createLocalEnv, createTimeSkippingEnv } from './temporal.ts';

export interface WorkerSetup {
  /** The task queue (a fresh one by default). */
  taskQueue?: string;
  /** Activity dependencies besides the test database (a gateway, a Temporal client, settings, …). */
  deps?: Omit<Partial<ActivityDeps>, 'db'>;
  /** Extra worker options (activities replaced by fakes, maxCachedWorkflows, …). */
  options?: Partial<WorkerOptions>;
}

export interface WorkflowHarnessOptions {
  /** 'time-skipping' (default: timers fire at once while no workflow code runs) or 'local' (the dev server). */
  server?: 'time-skipping' | 'local';
  /** The test database's connection pool (default 20). */
  poolSize?: number;
  /** The workflow module to bundle (default: the worker's entry, workflows/index.ts). */
  workflowsPath?: string;
  /**
   * One worker for the whole file on `taskQueue`, started in beforeAll and drained in afterAll (true: no
   * extra setup; a function when the setup needs the environment, e.g. `(h) => ({ deps: { temporal: h.env.client } })`).
   */
  sharedWorker?: boolean | Omit<WorkerSetup, 'taskQueue'> | ((h: WorkflowHarness) => Omit<WorkerSetup, 'taskQueue'>);
  /** The task queues' prefix (default 'wf'). */
  name?: string;
}

export interface WorkflowHarness {
  readonly env: TestWorkflowEnvironment;
  readonly db: TestDatabase;
  /** The shared worker's task queue. */
  readonly taskQueue: string;
  /** A task queue nobody else polls. */
  newTaskQueue(): string;
  /** A worker (not yet running) with the real activities over the test database and the file's bundle. */
  createWorker(setup?: WorkerSetup): Promise<Worker>;
  /** Runs `fn` with a fresh worker on a fresh task queue; the worker stops when `fn` settles. */
  withWorker<T>(fn: (taskQueue: string) => Promise<T>, setup?: Omit<WorkerSetup, 'taskQueue'>): Promise<T>;
}

export function useWorkflowHarness(opts: WorkflowHarnessOptions = {}): WorkflowHarness {
  const name = opts.name ?? 'wf';
  let env: TestWorkflowEnvironment | undefined;
  let db: TestDatabase | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  let shared: { worker: Worker; running: Promise<void> } | undefined;
  const taskQueue = `${name}-${randomUUID()}`;

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the workflow harness has no ${what} yet: use it in tests or hooks, not at collection`);
    return value;
  };

  const harness: WorkflowHarness = {
    get env() {
      return ready(env, 'Temporal environment');
    },
    get db() {
      return ready(db, 'database');
    },
    taskQueue,
    newTaskQueue: () => `${name}-${randomUUID()}`,
    createWorker(setup = {}) {
      return createWorker({
        connection: harness.env.nativeConnection,
        taskQueue: setup.taskQueue ?? harness.newTaskQueue(),
        db: harness.db.prisma,
        ...setup.deps,
        // The file's bundle instead of bundling the workflow code again for every worker.
        options: { workflowBundle: ready(bundle, 'workflow bundle'), workflowsPath: undefined, ...setup.options },
      });
    },
    async withWorker(fn, setup) {
      const queue = harness.newTaskQueue();
      const worker = await harness.createWorker({ ...setup, taskQueue: queue });
      return worker.runUntil(fn(queue));
    },
  };

  beforeAll(async () => {
    // Worker lifecycle chatter at INFO drowns the test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    // Each piece is kept as soon as it exists, so afterAll tears down whatever started if another failed.
    const started = await Promise.allSettled([
      (opts.server === 'local' ? createLocalEnv() : createTimeSkippingEnv()).then((e) => (env = e)),
      createTestDatabase(opts.poolSize === undefined ? {} : { poolSize: opts.poolSize }).then((d) => (db = d)),
      bundleWorkflowCode({ workflowsPath: opts.workflowsPath ?? workflowsPath, logger: new DefaultLogger('WARN') }).then((b) => (bundle = b)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const setup = opts.sharedWorker;
    if (setup) {
      const worker = await harness.createWorker({ ...(setup === true ? {} : typeof setup === 'function' ? setup(harness) : setup), taskQueue });
      shared = { worker, running: worker.run() };
    }
  });

  afterAll(async () => {
    if (shared) {
      shared.worker.shutdown();
      await shared.running;
    }
    await env?.teardown();
    await db?.drop();
  });

  return harness;
}
