// The Temporal SDK's worker metrics (task slots, poll and schedule-to-start latencies, sticky cache,
// workflow and activity outcomes) served for Prometheus at `/metrics` on the given address. The SDK's
// Runtime is process-wide and installed once (runtime/logger.ts installTemporalLogging takes these options).
import type { TelemetryOptions } from '@temporalio/worker';

export function workerTelemetryOptions(bindAddress: string | undefined, globalTags: Record<string, string> = {}): TelemetryOptions | undefined {
  if (!bindAddress) return undefined;
  return {
    metrics: {
      prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
      globalTags,
    },
  };
}
