// Idempotency records older than IDEMPOTENCY_RETENTION_DAYS are deleted by a Temporal Schedule (Temporal
// dev server + worker + real PostgreSQL): the schedule is created idempotently at worker start, a run
// deletes only records past the retention, in bounded batches, and a key replayed after its record is
// gone runs as a new request.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ensureIdempotencyRetentionSchedule } from '../worker/schedules.ts';
import {
  idempotencyRetentionScheduleId,
  idempotencyRetentionWorkflowType,
  type IdempotencyRetentionWorkflow,
} from '../workflows/idempotency-retention/definitions.ts';
import { useWorkflowHarness } from './support/workflow-harness.ts';
import { until } from './support/wait.ts';

const DAY = 24 * 60 * 60 * 1000;
const h = useWorkflowHarness({ name: 'retention', server: 'local', sharedWorker: true });
const { taskQueue } = h;

async function record(principal: string, ageMs: number) {
  const key = `k-${randomUUID()}`;
  await h.db.prisma.idempotencyRecord.create({
    data: {
      principal,
      key,
      requestHash: 'h',
      resourceId: randomUUID(),
      responseStatus: 201,
      responseBody: {},
      createdAt: new Date(Date.now() - ageMs),
      completedAt: new Date(Date.now() - ageMs),
    },
  });
  return key;
}

const keysOf = async (principal: string) =>
  (await h.db.prisma.idempotencyRecord.findMany({ where: { principal }, select: { key: true } })).map((r) => r.key).sort();

describe('the retention workflow', () => {
  it('deletes only records older than the retention, in batches, and reports when a run did not finish', async () => {
    const principal = `account:${randomUUID()}`;
    const old = await Promise.all([31, 40, 45, 60, 365].map((d) => record(principal, d * DAY)));
    const kept = await Promise.all([0, 1, 29, 30 * DAY - 60 * 60 * 1000].map((d, i) => record(principal, i < 3 ? d * DAY : d)));

    const partial = await h.env.client.workflow.execute<IdempotencyRetentionWorkflow>(idempotencyRetentionWorkflowType, {
      workflowId: `retention-test-${randomUUID()}`,
      taskQueue,
      args: [{ retentionDays: 30, batchSize: 2, maxBatches: 1 }],
    });
    expect(partial).toMatchObject({ deleted: 2, complete: false });
    expect(await keysOf(principal)).toHaveLength(old.length + kept.length - 2);

    const rest = await h.env.client.workflow.execute<IdempotencyRetentionWorkflow>(idempotencyRetentionWorkflowType, {
      workflowId: `retention-test-${randomUUID()}`,
      taskQueue,
      args: [{ retentionDays: 30, batchSize: 2 }],
    });
    expect(rest).toMatchObject({ deleted: 3, complete: true });
    expect(await keysOf(principal)).toEqual([...kept].sort());
  });
});

describe('the schedule', () => {
  it('is created idempotently (a second start updates it) and its run deletes only old records', async () => {
    const principal = `account:${randomUUID()}`;
    const old = await record(principal, 31 * DAY);
    const recent = await record(principal, 2 * DAY);

    const id = await ensureIdempotencyRetentionSchedule(h.env.client, { taskQueue, retentionDays: 45 });
    expect(id).toBe(idempotencyRetentionScheduleId(taskQueue));
    // A second worker start (or a restart with another setting) finds the schedule and updates it.
    await ensureIdempotencyRetentionSchedule(h.env.client, { taskQueue, retentionDays: 30 });
    const handle = h.env.client.schedule.getHandle(id);
    const described = await handle.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: idempotencyRetentionWorkflowType, taskQueue, args: [{ retentionDays: 30 }] });
    expect(described.spec.intervals?.[0]?.every).toBe(60 * 60 * 1000);
    let schedules = 0;
    for await (const s of h.env.client.schedule.list()) if (s.scheduleId === id) schedules++;
    expect(schedules).toBeLessThanOrEqual(1);

    await handle.trigger();
    await until(async () => !(await keysOf(principal)).includes(old), 'the scheduled run to delete the old record', 30_000);
    expect(await keysOf(principal)).toEqual([recent]);
    await handle.delete();
  });
});
