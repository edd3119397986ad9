// Prisma's schema engine, offline: the native engine cannot be downloaded here, but the same engine is
// published as WebAssembly (@prisma/schema-engine-wasm, the build matching prisma 7.10.0) and talks to the
// database through a driver adapter (adapter-pg). Used by the schema drift test and `npm run migration:diff`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type SqlResultSet,
} from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { DiffTarget, SchemaContainer, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

export const schemaPath = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));

/** PostgreSQL's internal type "char" (pg_constraint.contype, pg_class.relkind, ...), which the engine's
 *  introspection reads and adapter-pg cannot decode. */
const CHAR_OID = 18;
const TEXT_OID = 25;
/** Marks, on a pg result's rows array (which adapter-pg passes through), the columns that were "char". */
const charColumns = Symbol('charColumns');

type ResultLike = { fields?: { dataTypeID: number }[]; rows?: unknown[] };

/** pg level: report "char" columns as text (their text form is a plain one-character string), so adapter-pg
 *  decodes them, and remember which columns they were. */
function charAsText<T>(result: T): T {
  for (const r of (Array.isArray(result) ? result : [result]) as ResultLike[]) {
    const cols: number[] = [];
    r?.fields?.forEach((f, i) => {
      if (f.dataTypeID === CHAR_OID) {
        f.dataTypeID = TEXT_OID;
        cols.push(i);
      }
    });
    if (cols.length && r.rows) Object.defineProperty(r.rows, charColumns, { value: cols });
  }
  return result;
}

class CharAsTextClient extends pg.Client {
  // pg's Client.query is overloaded (promise, callback, submittable); only the result's fields change.
  override query(...args: unknown[]): any {
    const last = args.length - 1;
    const cb = args[last];
    if (typeof cb === 'function') {
      args[last] = (err: unknown, res: unknown) => (cb as (e: unknown, r: unknown) => void)(err, err ? res : charAsText(res));
    }
    const ret = (super.query as (...a: unknown[]) => unknown)(...args);
    if (typeof cb !== 'function' && ret && typeof (ret as Promise<unknown>).then === 'function') {
      return (ret as Promise<unknown>).then(charAsText);
    }
    return ret;
  }
}

/** Driver-adapter level: the engine reads those columns as characters. */
function charAware<Q extends SqlQueryable>(q: Q): Q {
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (query: SqlQuery): Promise<SqlResultSet> => {
    const result = await queryRaw(query);
    const cols = (result.rows as unknown as { [charColumns]?: number[] })[charColumns];
    if (cols) {
      const columnTypes = [...result.columnTypes];
      for (const i of cols) columnTypes[i] = ColumnTypeEnum.Character;
      return { ...result, columnTypes };
    }
    return result;
  };
  return q;
}

function charAwareAdapter(a: SqlDriverAdapter): SqlDriverAdapter {
  charAware(a);
  const startTransaction = a.startTransaction.bind(a);
  a.startTransaction = async (isolationLevel) => charAware(await startTransaction(isolationLevel));
  return a;
}

class CharAwarePg implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider: PrismaPg['provider'];
  readonly adapterName: string;
  /** Every connection handed to the engine, disposed by `Engine.close()`. */
  readonly opened: SqlDriverAdapter[] = [];
  constructor(private readonly inner: PrismaPg) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }
  async connect(): Promise<SqlDriverAdapter> {
    return this.track(charAwareAdapter(await this.inner.connect()));
  }
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.track(charAwareAdapter(await this.inner.connectToShadowDb()));
  }
  private track(a: SqlDriverAdapter): SqlDriverAdapter {
    this.opened.push(a);
    return a;
  }
}

/** A pool config with explicit fields (not a connection string), so adapter-pg's shadow database
 *  (`{ ...config, database }`) really points at the shadow database. */
function poolConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  const sslmode = u.searchParams.get('sslmode');
  return {
    host: decodeURIComponent(u.hostname),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    ssl: sslmode && sslmode !== 'disable' ? { rejectUnauthorized: sslmode === 'verify-full' } : undefined,
    max: 2,
    Client: CharAsTextClient as unknown as typeof pg.Client,
  };
}

// The project's lib (ES2023, no DOM) has no WebAssembly typings; Node has the global.
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

let loaded = false;
function loadWasm(): void {
  if (loaded) return;
  // The package's entry imports the .wasm as an ES module, which Node 20 cannot do without a flag:
  // instantiate it by hand against its JS glue.
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const module = new Wasm.Module(readFileSync(join(dir, 'schema_engine_bg.wasm')));
  const instance = new Wasm.Instance(module, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  loaded = true;
}

export interface Engine {
  engine: SchemaEngine;
  logs: string[];
  close(): Promise<void>;
}

/** A schema engine connected to the PostgreSQL database at `url`. */
export async function openSchemaEngine(url: string): Promise<Engine> {
  loadWasm();
  const logs: string[] = [];
  const factory = new CharAwarePg(new PrismaPg(poolConfig(url)));
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const schema = readFileSync(schemaPath, 'utf8');
  const engine = await bg.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, (log: unknown) => void logs.push(String(log)), adapter);
  return {
    engine,
    logs,
    async close() {
      engine.free();
      await Promise.allSettled(factory.opened.splice(0).map((a) => a.dispose()));
    },
  };
}

function schemaFiles(): SchemaContainer[] {
  return [{ path: schemaPath, content: readFileSync(schemaPath, 'utf8') }];
}

/** prisma/schema.prisma as a diff target. */
export function schemaTarget(): DiffTarget {
  return { tag: 'schemaDatamodel', files: schemaFiles() };
}

/** The live database behind the driver adapter as a diff target (the engine no longer takes URLs). */
export function databaseTarget(): DiffTarget {
  return { tag: 'schemaDatasource', files: schemaFiles(), configDir: dirname(schemaPath) };
}

export const noFilters = { externalTables: [], externalEnums: [] };

/** The SQL that turns the database at `url` into what prisma/schema.prisma describes ('' when none). */
export async function diffDatabaseToSchema(url: string): Promise<string> {
  const { engine, close } = await openSchemaEngine(url);
  try {
    const result = await engine.diff({
      from: databaseTarget(),
      to: schemaTarget(),
      script: true,
      exitCode: true,
      filters: noFilters,
    });
    return result.exitCode === 0 ? '' : (result.stdout ?? '').trim();
  } finally {
    await close();
  }
}
