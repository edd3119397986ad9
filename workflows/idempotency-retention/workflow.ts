// Deletes idempotency records older than the retention, in bounded batches. Started by a Temporal Schedule
// (worker/schedules.ts); the cut-off comes from workflow time, so a replay computes the same one, and the
// delete activity is idempotent (deleting what is already gone deletes nothing).
import { proxyActivities } from '@temporalio/workflow';
import type { IdempotencyRetentionActivities } from '../../activities/types.ts';
import { durableActivity } from '../activity-options.ts';
import { DEFAULT_RETENTION_BATCH_SIZE, DEFAULT_RETENTION_MAX_BATCHES, type IdempotencyRetentionInput, type IdempotencyRetentionResult } from './definitions.ts';

const { deleteIdempotencyRecordsBefore } = proxyActivities<IdempotencyRetentionActivities>(durableActivity);

const DAY_MS = 24 * 60 * 60 * 1000;

export async function idempotencyRetentionWorkflow(input: IdempotencyRetentionInput): Promise<IdempotencyRetentionResult> {
  const batchSize = input.batchSize ?? DEFAULT_RETENTION_BATCH_SIZE;
  const maxBatches = input.maxBatches ?? DEFAULT_RETENTION_MAX_BATCHES;
  const cutoff = new Date(Date.now() - input.retentionDays * DAY_MS).toISOString();
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await deleteIdempotencyRecordsBefore({ before: cutoff, limit: batchSize });
    deleted += n;
    if (n < batchSize) return { deleted, cutoff, complete: true };
  }
  return { deleted, cutoff, complete: false };
}
