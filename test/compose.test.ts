// docker-compose.yml cannot run here (no container engine), so this keeps it honest another way: it
// parses, every reference resolves, and it runs what `npm run stack` runs — the same Temporal server
// version, the same schema-tool steps, the namespace, the shard count, and the npm entry points.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TEMPORAL_SERVER_VERSION } from '../scripts/stack/temporal-binaries.ts';
import { writeTemporalConfig } from '../scripts/stack/temporal.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const script = (s: Service) => [s.command ?? []].flat().join(' ');

describe('docker-compose.yml', () => {
  it('runs the Temporal server version the stack builds, and no deprecated auto-setup image', () => {
    expect(services.temporal?.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    const images = Object.values(services).map((s) => s.image ?? '');
    expect(images.filter((i) => i.includes('auto-setup'))).toEqual([]);
    for (const name of ['temporal-schema', 'temporal-namespace']) {
      expect(services[name]?.image).toMatch(new RegExp(`^temporalio/admin-tools:${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}-`));
    }
  });

  it('sets up both Temporal databases with the schema tool steps the stack uses', () => {
    const steps = script(services['temporal-schema']!);
    expect(steps).toContain('temporal-sql-tool --db "$$db" create-database');
    expect(steps).toContain('temporal-sql-tool --db "$$db" setup-schema -v 0.0');
    expect(steps).toContain('temporal-sql-tool --db "$$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$$schema/versioned"');
    // the stack runs the same three steps
    const stack = readFileSync(new URL('../scripts/stack/temporal.ts', import.meta.url), 'utf8');
    for (const step of [
      "tool('create-database')",
      "tool('setup-schema', '-v', '0.0')",
      "tool('update-schema', '-d', join(bin.schemaDir, schema, 'versioned'))",
    ])
      expect(stack).toContain(step);
    expect(steps).toContain('temporal:temporal temporal_visibility:visibility');
    expect(services['temporal-schema']!.environment).toMatchObject({ SQL_PLUGIN: 'postgres12' });
    expect(services.temporal!.environment).toMatchObject({
      DB: 'postgres12',
      DBNAME: 'temporal',
      VISIBILITY_DBNAME: 'temporal_visibility',
      NUM_HISTORY_SHARDS: '4',
    });
    expect(services.temporal!.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
  });

  it('creates the default namespace before any worker or API starts', () => {
    expect(script(services['temporal-namespace']!)).toContain('temporal operator namespace create --namespace default');
    for (const name of ['worker', 'api-1', 'api-2']) {
      expect(services[name]!.depends_on?.['temporal-namespace']?.condition, name).toBe('service_completed_successfully');
      expect(services[name]!.environment).toMatchObject({ TEMPORAL_NAMESPACE: 'default', TEMPORAL_ADDRESS: 'temporal:7233' });
    }
  });

  it('runs two workers and two APIs behind the proxy, each through an npm script that exists', () => {
    expect(services.worker!.deploy?.replicas).toBe(2);
    expect(services.worker!.environment?.WORKER_METRICS_ADDRESS).toMatch(/:\d+$/);
    expect(services.proxy!.environment?.API_UPSTREAMS).toBe('api-1=http://api-1:3000,api-2=http://api-2:3000');
    for (const [name, want] of [
      ['worker', 'worker'],
      ['api-1', 'api'],
      ['api-2', 'api'],
      ['proxy', 'proxy'],
    ] as const) {
      expect(services[name]!.command).toEqual(['npm', 'run', want]);
      expect(pkg.scripts[want], `npm run ${want}`).toBeDefined();
    }
  });

  it('every depends_on names a service of the file', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
    }
  });
});

describe("the stack's Temporal config template", () => {
  it('renders to YAML with both stores on the postgres12 plugin and every port filled in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'temporal-config-'));
    try {
      const ports = {
        frontend: 1,
        frontendMembership: 2,
        frontendHttp: 3,
        history: 4,
        historyMembership: 5,
        matching: 6,
        matchingMembership: 7,
        worker: 8,
        workerMembership: 9,
        metrics: 10,
      };
      const path = writeTemporalConfig({
        dir,
        binaries: { version: TEMPORAL_SERVER_VERSION, server: '', sqlTool: '', moduleDir: '', schemaDir: '', buildSeconds: 0 },
        db: { host: '127.0.0.1', port: 5432, user: 'postgres', password: '', database: 'temporal', visibilityDatabase: 'temporal_visibility' },
        ports,
        numHistoryShards: 4,
      });
      const text = readFileSync(path, 'utf8');
      expect(text).not.toContain('${');
      const config = parse(text);
      expect(config.persistence.numHistoryShards).toBe(4);
      expect(config.persistence.datastores['postgres-default'].sql).toMatchObject({
        pluginName: 'postgres12',
        databaseName: 'temporal',
        connectAddr: '127.0.0.1:5432',
      });
      expect(config.persistence.datastores['postgres-visibility'].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal_visibility' });
      expect(config.services.frontend.rpc).toMatchObject({ grpcPort: 1, membershipPort: 2, httpPort: 3 });
      expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
