// `npm run stack`: the production topology on this machine, without containers — PostgreSQL from the
// machine's binaries, the Temporal server (built from the Go module proxy on first use) persisted in it,
// two worker processes and two API processes behind one proxy address. Ctrl-C stops all of it in order.
// State lives in STACK_DIR (.data/stack), so balances and waiting charges survive a restart.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createLogger } from '../runtime/logger.ts';
import { onShutdown } from '../runtime/shutdown.ts';
import { portLayout } from './stack/ports.ts';
import { startStack } from './stack/stack.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = z
  .object({
    STACK_DIR: z.string().default('.data/stack'),
    STACK_BASE_PORT: z.coerce.number().int().min(1024).max(65000).default(17200),
    /** Temporal's four membership ports start here; they must stay below 32768 (default STACK_BASE_PORT+30). */
    STACK_MEMBERSHIP_BASE_PORT: z.coerce.number().int().min(1024).max(32764).optional(),
    STACK_APIS: z.coerce.number().int().min(1).max(9).default(2),
    STACK_WORKERS: z.coerce.number().int().min(1).max(20).default(2),
    STACK_QUIET: z.enum(['0', '1']).default('0'),
    TEMPORAL_NUM_HISTORY_SHARDS: z.coerce.number().int().min(1).default(4),
    TEMPORAL_RETENTION_DAYS: z.coerce.number().int().min(1).default(7),
  })
  .parse(process.env);

// Run as `node --import tsx` (package.json), not through the tsx CLI: on Ctrl-C the CLI SIGKILLs its child
// when it does not acknowledge the signal within 30 ms, which would orphan every process of the stack.
// A closed terminal or pipe must not take the supervisor down before it has stopped its processes.
process.stdout.on('error', () => {});
process.on('SIGHUP', () => process.kill(process.pid, 'SIGTERM'));
const logger = createLogger(process.env.LOG_LEVEL ?? 'info', 'stack');
const started = Date.now();
const ports = portLayout(env.STACK_BASE_PORT, env.STACK_APIS, env.STACK_WORKERS, env.STACK_MEMBERSHIP_BASE_PORT);
const stack = await startStack({
  root,
  dir: resolve(root, env.STACK_DIR),
  ports,
  apis: env.STACK_APIS,
  workers: env.STACK_WORKERS,
  echo: env.STACK_QUIET === '0',
  numHistoryShards: env.TEMPORAL_NUM_HISTORY_SHARDS,
  retentionDays: env.TEMPORAL_RETENTION_DAYS,
  log: (line) => logger.info(line),
});
const mem = stack.memory();
const lines = [
  '',
  `Prepaid points topology is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  `  API (proxy)   ${stack.url}   → ${stack.apis.map((a, i) => `${a.name} ${stack.apiUrls[i]}`).join(', ')}`,
  `  Workers       ${stack.workers.map((w, i) => `${w.name} (SDK metrics http://127.0.0.1:${ports.workerMetrics[i]}/metrics)`).join(', ')}`,
  `  Temporal      ${stack.temporalAddress}   v${stack.binaries.version}, namespace ${stack.namespace}, metrics http://127.0.0.1:${ports.temporal.metrics}/metrics`,
  `  PostgreSQL    ${stack.databaseUrl}   (+ temporal, temporal_visibility)`,
  `  Admin key     ${stack.adminKey}`,
  `  State, logs   ${resolve(root, env.STACK_DIR)}`,
  `  Memory (MiB)  ${Object.entries(mem)
    .map(([k, v]) => `${k} ${v ?? '?'}`)
    .join(', ')}`,
  '  Stop with Ctrl-C.',
  '',
];
process.stdout.write(lines.join('\n') + '\n');

onShutdown(logger, () => stack.stop());
