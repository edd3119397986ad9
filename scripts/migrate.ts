// `npm run migrate`: applies the committed migrations to DATABASE_URL, or to the embedded PGlite
// database under .data/ when DATABASE_URL is not set. Works offline.
import { openDatabase } from '../db/client.ts';
import { loadConfig } from '../config/config.ts';

const config = loadConfig();
const db = await openDatabase({ url: config.databaseUrl, dataDir: config.pgliteDir, migrate: true });
console.log(`migrations applied to ${db.kind === 'pglite' ? config.pgliteDir : 'PostgreSQL'}`);
await db.close();
