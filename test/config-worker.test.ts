// The settings that size a worker and the virtual accounts' validity are read from the environment as
// numbers, validated at start-up: a fraction of an hour is a valid validity (the waiting benchmark lets
// virtual accounts expire within the run), a worker's concurrency is a whole number within the SDK's bounds.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';

describe('worker sizing settings', () => {
  it('are unset by default, so worker/worker.ts chooses', () => {
    const config = loadConfig({});
    expect(config.workerMaxCachedWorkflows).toBeUndefined();
    expect(config.workerMaxConcurrentWorkflowTasks).toBeUndefined();
    expect(config.workerMaxConcurrentActivities).toBeUndefined();
  });

  it('take whole numbers', () => {
    const config = loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '250', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8', WORKER_MAX_CONCURRENT_ACTIVITIES: '20' });
    expect(config).toMatchObject({ workerMaxCachedWorkflows: 250, workerMaxConcurrentWorkflowTasks: 8, workerMaxConcurrentActivities: 20 });
  });

  it('refuse what the SDK would refuse: fewer than 2 workflow tasks, no activity, fractions, words', () => {
    expect(() => loadConfig({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' })).toThrow(/WORKER_MAX_CONCURRENT_WORKFLOW_TASKS/);
    expect(() => loadConfig({ WORKER_MAX_CONCURRENT_ACTIVITIES: '0' })).toThrow(/WORKER_MAX_CONCURRENT_ACTIVITIES/);
    expect(() => loadConfig({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '2.5' })).toThrow(/WORKER_MAX_CONCURRENT_WORKFLOW_TASKS/);
    expect(() => loadConfig({ WORKER_MAX_CONCURRENT_ACTIVITIES: 'many' })).toThrow(/WORKER_MAX_CONCURRENT_ACTIVITIES/);
  });
});

describe('VIRTUAL_ACCOUNT_VALID_HOURS', () => {
  it('defaults to 72 hours and accepts a fraction of an hour', () => {
    expect(loadConfig({}).virtualAccountValidHours).toBe(72);
    expect(loadConfig({ VIRTUAL_ACCOUNT_VALID_HOURS: '0.25' }).virtualAccountValidHours).toBe(0.25);
  });

  it('refuses zero, negative and non-numeric validities, and more than a year', () => {
    for (const value of ['0', '-1', 'soon', String(24 * 365 + 1)]) {
      expect(() => loadConfig({ VIRTUAL_ACCOUNT_VALID_HOURS: value }), value).toThrow(/VIRTUAL_ACCOUNT_VALID_HOURS/);
    }
  });
});
