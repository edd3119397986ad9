// `npm start` whose Temporal port (or UI port) is held by another process stops with a clear message and
// never talks to whatever listens there: the port is occupied here by a plain TCP listener that counts
// connections, and `npm start` (scripts/start.ts, a real child process) must exit non-zero without one.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PortInUseError, startEmbeddedTemporal } from '../runtime/temporal-server.ts';
import { loadConfig } from '../config/config.ts';
import { freePort } from './support/ports.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A plain TCP listener on a free port that counts the connections it receives. */
async function occupy(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'points-start-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('the embedded Temporal server refuses taken ports', () => {
  it('a taken frontend port is a PortInUseError naming the port and TEMPORAL_DEV_PORT; nothing connects to it', async () => {
    const taken = await occupy();
    const err = await startEmbeddedTemporal({ dataDir: tempDir(), namespace: 'default', port: taken.port, uiPort: await freePort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as Error).message).toContain(`port ${taken.port}`);
    expect((err as Error).message).toContain('TEMPORAL_DEV_PORT');
    expect(taken.connections()).toBe(0);
  });

  it('a taken UI port is refused too, naming TEMPORAL_UI_PORT', async () => {
    const taken = await occupy();
    const err = await startEmbeddedTemporal({ dataDir: tempDir(), namespace: 'default', port: await freePort(), uiPort: taken.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as Error).message).toContain('TEMPORAL_UI_PORT');
  });

  it('TEMPORAL_DEV_PORT and TEMPORAL_UI_PORT are settings (defaults 7233 and 8233)', () => {
    expect(loadConfig({}).temporalDevPort).toBe(7233);
    expect(loadConfig({}).temporal.uiPort).toBe(8233);
    expect(loadConfig({ TEMPORAL_DEV_PORT: '17233', TEMPORAL_UI_PORT: '18233' })).toMatchObject({ temporalDevPort: 17233, temporal: { uiPort: 18233 } });
    expect(() => loadConfig({ TEMPORAL_DEV_PORT: '70000' })).toThrow();
  });
});

function runStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['scripts/start.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

describe('npm start', () => {
  it('with its Temporal port taken exits 1 with a clear message and never connects there', async () => {
    const taken = await occupy();
    const { code, output } = await runStart({
      TEMPORAL_DEV_PORT: String(taken.port),
      TEMPORAL_UI_PORT: String(await freePort()),
      PORT: String(await freePort()),
      DATA_DIR: tempDir(),
    });
    expect(code).toBe(1);
    expect(output).toContain(`The Temporal dev server port ${taken.port} on 127.0.0.1 is already in use`);
    expect(output).not.toContain('Prepaid points service is running');
    expect(taken.connections()).toBe(0);
  });

  it('with BUSINESS_HOURS that opens on no day exits 2 and says so', async () => {
    const { code, output } = await runStart({ BUSINESS_HOURS: '{"6":null,"7":null}', DATA_DIR: tempDir(), PORT: String(await freePort()) });
    expect(code).toBe(2);
    expect(output).toContain('BUSINESS_HOURS opens on no day of the week');
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack
  });
});
