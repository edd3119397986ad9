// Shared by the idempotency-retention workflow, the schedule that starts it (worker/schedules.ts) and tests.

export interface IdempotencyRetentionInput {
  /** Records created more than this many days before the run are deleted. */
  retentionDays: number;
  /** Rows per delete (one short transaction each). */
  batchSize?: number;
  /** Deletes per run; what is left waits for the next run, so a run's history stays small. */
  maxBatches?: number;
}

export interface IdempotencyRetentionResult {
  /** Records deleted by this run. */
  deleted: number;
  /** Records created before this instant were due. */
  cutoff: string;
  /** False when maxBatches ran out before the due records did. */
  complete: boolean;
}

/**
 * The type the worker registers the workflow under: the name of this flow's function (./workflow.ts) as
 * exported by workflows/index.ts, checked here (`satisfies`): renaming one without the other fails to compile.
 */
export const idempotencyRetentionWorkflowType = 'idempotencyRetentionWorkflow' satisfies keyof typeof import('./workflow.ts') &
  keyof typeof import('../index.ts');
/** The registered function's own type: a change of its input or result reaches every caller. */
export type IdempotencyRetentionWorkflow = (typeof import('../index.ts'))[typeof idempotencyRetentionWorkflowType];

export const DEFAULT_RETENTION_BATCH_SIZE = 1_000;
export const DEFAULT_RETENTION_MAX_BATCHES = 100;

/** One schedule per task queue (several deployments may share a namespace). */
export const idempotencyRetentionScheduleId = (taskQueue: string) => `idempotency-retention:${taskQueue}`;
