// The Temporal SDK's worker metrics (task slots, poll and schedule-to-start latencies, sticky cache,
// workflow and activity outcomes) served for Prometheus at `/metrics` on the given address. The SDK's
// Runtime is process-wide and must be installed before the first NativeConnection is created.
import { Runtime } from '@temporalio/worker';

export function installWorkerTelemetry(bindAddress: string | undefined, globalTags: Record<string, string> = {}): void {
  if (!bindAddress) return;
  Runtime.install({
    telemetryOptions: {
      metrics: {
        prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
        globalTags,
      },
    },
  });
}
