// Generates the Prisma client offline.
// Every Prisma CLI command first looks for the native schema engine and tries to download it when it is
// missing; `generate` never uses that engine, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing
// executable (this Node.js binary) lets it run without internet.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
env.CHECKPOINT_DISABLE = '1';
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
