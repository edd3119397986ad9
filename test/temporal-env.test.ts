import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { Worker } from '@temporalio/worker';
import { createLocalEnv, createTimeSkippingEnv } from './support/temporal.ts';
import type { sleepWorkflow } from './fixtures/sleep-workflow.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/sleep-workflow.ts', import.meta.url));
const THREE_DAYS_MS = 3 * 24 * 60 * 60 * 1000;

describe('Temporal test environments', () => {
  it('time-skipping env runs a workflow that sleeps 3 days, skipping the time', async () => {
    const env = await createTimeSkippingEnv();
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const taskQueue = `tq-${randomUUID()}`;
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath });
      const wallStart = Date.now();
      const serverStart = await env.currentTimeMs();
      const result = await worker.runUntil(
        env.client.workflow.execute<typeof sleepWorkflow>('sleepWorkflow', {
          taskQueue,
          workflowId: `sleep-${randomUUID()}`,
          args: ['points'],
        }),
      );
      const serverElapsed = (await env.currentTimeMs()) - serverStart;
      expect(result).toBe('woke points');
      expect(serverElapsed).toBeGreaterThanOrEqual(THREE_DAYS_MS);
      expect(Date.now() - wallStart).toBeLessThan(60_000);
    } finally {
      await env.teardown();
    }
  });

  it('local dev-server env starts, answers and tears down', async () => {
    const env = await createLocalEnv();
    try {
      expect(env.supportsTimeSkipping).toBe(false);
      const ns = await env.connection.workflowService.describeNamespace({ namespace: env.namespace ?? 'default' });
      expect(ns.namespaceInfo?.name).toBe(env.namespace ?? 'default');
    } finally {
      await env.teardown();
    }
  });
});
