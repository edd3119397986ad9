// Temporal Schedules the worker keeps in place. Created at worker start, idempotently: a schedule that
// already exists (another worker, an earlier start) is updated to the current settings instead.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  idempotencyRetentionScheduleId,
  idempotencyRetentionWorkflowType,
  type IdempotencyRetentionInput,
  type IdempotencyRetentionWorkflow,
} from '../workflows/idempotency-retention/definitions.ts';

export interface RetentionScheduleSettings {
  taskQueue: string;
  retentionDays: number;
  /** How often the deletion runs (default hourly: small batches, and a record lives at most an hour past its retention). */
  every?: string;
}

/** Creates (or updates) the schedule that deletes idempotency records past IDEMPOTENCY_RETENTION_DAYS. */
export async function ensureIdempotencyRetentionSchedule(client: Client, settings: RetentionScheduleSettings): Promise<string> {
  const scheduleId = idempotencyRetentionScheduleId(settings.taskQueue);
  const input: IdempotencyRetentionInput = { retentionDays: settings.retentionDays };
  const spec = { intervals: [{ every: (settings.every ?? '1 hour') as '1 hour' }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: idempotencyRetentionWorkflowType,
    workflowId: `${scheduleId}/run`,
    taskQueue: settings.taskQueue,
    args: [input] as [IdempotencyRetentionInput],
  };
  // One run at a time; a run missed while nothing was up is not made up for (the next one catches up).
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' as const };
  try {
    await client.schedule.create<IdempotencyRetentionWorkflow>({ scheduleId, spec, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update<IdempotencyRetentionWorkflow>((previous) => ({ ...previous, spec, action, policies }));
  }
  return scheduleId;
}
