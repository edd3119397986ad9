// The embedded Temporal dev server for `npm start`: the CLI fetched by scripts/fetch-temporal.mjs (or
// TEMPORAL_CLI_PATH), persisting its state in .data/temporal.db so waiting charges survive a restart. When
// no binary is present the Temporal SDK downloads its own (needs internet).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath } from '../config/temporal-binaries.ts';

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

export async function startEmbeddedTemporal(opts: { dataDir: string; namespace: string; port?: number; uiPort: number }): Promise<EmbeddedTemporal> {
  mkdirSync(opts.dataDir, { recursive: true });
  const path = temporalCliPath();
  const port = opts.port ?? 7233;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ...(path ? { executable: { type: 'existing-path' as const, path } } : {}),
      ip: '127.0.0.1',
      port,
      namespace: opts.namespace,
      dbFilename: resolve(opts.dataDir, 'temporal.db'),
      ui: true,
      uiPort: opts.uiPort,
    },
  });
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    env,
    stop: () => env.teardown(),
  };
}
