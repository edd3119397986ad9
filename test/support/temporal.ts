// Temporal test environments backed by the local binaries from scripts/fetch-temporal.mjs when present,
// falling back to the SDK's own download (needs internet) otherwise.
//
// Constraints of @temporalio/testing 1.24 with an `existing-path` executable:
// - the time-skipping server is started as `<path> <port>`; pass no extraArgs (the server rejects them);
// - the SDK polls for readiness for about 5 s, so the binary must start fast (the native ones do);
// - teardown SIGKILLs the direct child, so a wrapper script at the path must `exec` the server.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath, temporalTestServerPath } from '../../config/temporal-binaries.ts';

/** Time-skipping test server (timers fire instantly when no workflow code is running). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = temporalTestServerPath();
  return TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : undefined);
}

/** Full dev server (`temporal server start-dev`, in-memory, no UI); no time skipping. */
export async function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  const path = temporalCliPath();
  return TestWorkflowEnvironment.createLocal(path ? { server: { executable: { type: 'existing-path', path } } } : undefined);
}
