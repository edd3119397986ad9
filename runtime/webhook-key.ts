// The key that encrypts webhook endpoint secrets at rest: WEBHOOK_ENCRYPTION_KEY when set; otherwise one
// generated at first start and kept in .data/ (like the admin key), so a zero-setup `npm start` works and
// survives restarts. Processes on several machines (docker-compose) must all be given the same
// WEBHOOK_ENCRYPTION_KEY.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function resolveWebhookKey(configured: string | undefined, dataDir: string): { key: string; source: string } {
  if (configured) return { key: configured, source: 'WEBHOOK_ENCRYPTION_KEY' };
  const file = join(dataDir, 'webhook-encryption-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), source: file };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, source: file };
}
