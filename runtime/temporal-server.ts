// The embedded Temporal dev server for `npm start`: the CLI fetched by scripts/fetch-temporal.mjs (or
// TEMPORAL_CLI_PATH), persisting its state in .data/temporal.db so waiting charges survive a restart. When
// no binary is present the Temporal SDK downloads its own (needs internet).
//
// Its ports (TEMPORAL_DEV_PORT, default 7233; TEMPORAL_UI_PORT, default 8233) must be free. If another
// process holds one — often another Temporal server — the dev server cannot bind it, but the SDK's
// readiness check would still find whatever answers there and our worker would run this service's
// workflows on a foreign server. So the ports are checked first and a taken one stops the start.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath } from '../config/temporal-binaries.ts';

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/** A port the embedded server needs is held by another process. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly what: string,
    readonly setting: string,
  ) {
    super(
      `${what} port ${port} on 127.0.0.1 is already in use by another process (another Temporal server or another npm start?). ` +
        `npm start does not run its workflows on a server it did not start: stop that process, choose free ports with ${setting}, ` +
        `or set TEMPORAL_ADDRESS to use that server on purpose.`,
    );
  }
}

/** Resolves when `port` can be bound on `host` (binding, never connecting: nothing there is contacted). */
export function assertPortFree(host: string, port: number, what: string, setting: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(port, what, setting) : err);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolvePromise()));
  });
}

export async function startEmbeddedTemporal(opts: { dataDir: string; namespace: string; port?: number; uiPort: number }): Promise<EmbeddedTemporal> {
  mkdirSync(opts.dataDir, { recursive: true });
  const path = temporalCliPath();
  const port = opts.port ?? 7233;
  await assertPortFree('127.0.0.1', port, 'The Temporal dev server', 'TEMPORAL_DEV_PORT');
  await assertPortFree('127.0.0.1', opts.uiPort, 'The Temporal web UI', 'TEMPORAL_UI_PORT');
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
