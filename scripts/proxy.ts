// `npm run proxy`: one address in front of several API processes (round-robin over the ones whose
// /readyz answers). `npm run stack` runs it in front of its APIs; docker-compose.yml in front of api-1/api-2.
//   API_UPSTREAMS  comma-separated `name=url` or `url` (e.g. api-1=http://127.0.0.1:4001,api-2=http://…)
//   HOST, PORT     where the proxy listens (127.0.0.1, 8080)
import { z } from 'zod';
import { createLogger } from '../runtime/logger.ts';
import { onShutdown } from '../runtime/shutdown.ts';
import { startProxy } from './stack/proxy.ts';

const env = z
  .object({
    API_UPSTREAMS: z.string().min(1, 'API_UPSTREAMS: comma-separated name=url of the API processes'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    LOG_LEVEL: z.string().default('info'),
  })
  .parse(process.env);
const upstreams = env.API_UPSTREAMS.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map((s, i) => {
    const eq = s.indexOf('=');
    return eq > 0 ? { name: s.slice(0, eq), url: new URL(s.slice(eq + 1)).origin } : { name: `api-${i + 1}`, url: new URL(s).origin };
  });
const logger = createLogger(env.LOG_LEVEL, 'proxy');
const proxy = await startProxy({ host: env.HOST, port: env.PORT, upstreams });
logger.info(`proxy listening on ${proxy.url} → ${upstreams.map((u) => `${u.name} ${u.url}`).join(', ')}`);
onShutdown(logger, () => proxy.close());
