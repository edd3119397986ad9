// Vitest global setup: the concurrency tests need real PostgreSQL. CI starts one and sets
// DATABASE_URL_TEST; on a developer machine without it, a throwaway cluster is started here with the
// machine's PostgreSQL binaries (scripts/ci-postgres.sh) and stopped afterwards.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

const script = fileURLToPath(new URL('../../scripts/ci-postgres.sh', import.meta.url));

export default async function setup(): Promise<(() => void) | void> {
  if (process.env.DATABASE_URL_TEST) return;
  // A port of its own per run, so two test runs on one machine never stop each other's cluster.
  const port = process.env.TEST_PG_PORT ?? String(await freePort());
  const env = { ...process.env, CI_PG_PORT: port, CI_PG_DB: 'points_test' };
  execFileSync(script, ['start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.DATABASE_URL_TEST = `postgresql://postgres@127.0.0.1:${port}/points_test`;
  return () => {
    execFileSync(script, ['stop'], { env, stdio: 'ignore' });
  };
}
