// The Temporal server and its SQL schema tool, built from the Go module proxy into .tools/temporal-server/
// (no registry ships the server as a package). Built once and reused; the schemas and the reference
// config ship inside the module, which `go mod download` places in the module cache.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The server version the stack builds and docker-compose.yml runs (temporalio/server:<this>). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';

const run = promisify(execFile);

export interface TemporalBinaries {
  version: string;
  server: string;
  sqlTool: string;
  /** The module's source directory (read-only): schema/, config/, docker/. */
  moduleDir: string;
  /** `schema/postgresql/v12` inside the module: temporal/ and visibility/, each with versioned/. */
  schemaDir: string;
  /** Seconds spent building now (0 when both binaries were reused). */
  buildSeconds: number;
}

export function toolsDir(root: string): string {
  return resolve(root, '.tools', 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`);
}

function goInstall(pkg: string, gobin: string, log: (line: string) => void): Promise<void> {
  return new Promise((ok, fail) => {
    // Plain `go install` of a module version: no replace directives in go.temporal.io/server, so it builds
    // as published. GOFLAGS=-mod=mod keeps a surrounding go.work or vendor setting out of the way.
    const child = spawn('go', ['install', `${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION}`], {
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod', CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const relay = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => log(l));
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => fail(new Error(`cannot run go (install Go 1.23 or newer): ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`go install ${pkg}@v${TEMPORAL_SERVER_VERSION} exited with ${code}`))));
  });
}

/** The module's directory in the Go module cache (downloads it when absent: seconds). */
async function moduleDir(): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    maxBuffer: 1 << 20,
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${MODULE}@v${TEMPORAL_SERVER_VERSION}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/**
 * Builds the server and the schema tool into .tools/temporal-server/v<version>/ unless both are there
 * (TEMPORAL_SERVER_BIN / TEMPORAL_SQL_TOOL_BIN name existing binaries instead).
 */
export async function ensureTemporalBinaries(root: string, log: (line: string) => void): Promise<TemporalBinaries> {
  const dir = toolsDir(root);
  const server = process.env.TEMPORAL_SERVER_BIN ?? join(dir, 'server');
  const sqlTool = process.env.TEMPORAL_SQL_TOOL_BIN ?? join(dir, 'sql');
  const started = Date.now();
  let built = false;
  if (!existsSync(server)) {
    mkdirSync(dir, { recursive: true });
    log(`building the Temporal server v${TEMPORAL_SERVER_VERSION} with go install (a few minutes, ~1.6 GB of memory, once)`);
    await goInstall('cmd/server', dir, log);
    built = true;
  }
  if (!existsSync(sqlTool)) {
    mkdirSync(dir, { recursive: true });
    log(`building the Temporal SQL schema tool v${TEMPORAL_SERVER_VERSION}`);
    await goInstall('cmd/tools/sql', dir, log);
    built = true;
  }
  const mod = await moduleDir();
  return {
    version: TEMPORAL_SERVER_VERSION,
    server,
    sqlTool,
    moduleDir: mod,
    schemaDir: join(mod, 'schema', 'postgresql', 'v12'),
    buildSeconds: built ? (Date.now() - started) / 1000 : 0,
  };
}
