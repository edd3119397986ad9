// One supervised child process of the stack: output to a log file (and, interactively, to the terminal
// with a name prefix), readiness by a log line, graceful stop (SIGTERM, then SIGKILL after a grace
// period), and a restart after an unexpected exit, like a container's `restart: unless-stopped`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

// Children still running when the supervisor exits without stopping them (an uncaught error) die with it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Print output lines to the terminal as `[name] line`. */
  echo?: boolean;
  /** Restart after an exit nobody asked for; undefined: never. */
  restartDelayMs?: number;
  /** Extra wait before SIGKILL when stopping. */
  stopGraceMs?: number;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  private lines: string[] = [];
  private shift = 0;
  private waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private exitWaiters: (() => void)[] = [];
  /** Times this process was started (1 after the first start). */
  starts = 0;
  /** Unexpected exits seen, with their code or signal. */
  readonly crashes: string[] = [];

  constructor(
    readonly spec: ProcessSpec,
    private readonly onEvent: (msg: string) => void = () => {},
  ) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  get name() {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Line index to pass to waitFor so only lines after now count. */
  mark(): number {
    return this.shift + this.lines.length;
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.starts += 1;
    // Own process group: a Ctrl-C in the terminal reaches only the supervisor, which stops everything in
    // order (APIs, workers, Temporal, PostgreSQL) instead of every process at once.
    const child = spawn(this.spec.command, this.spec.args, { cwd: this.spec.cwd, env: this.spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    child.on('exit', () => live.delete(child));
    this.child = child;
    this.log.write(`--- ${new Date().toISOString()} start #${this.starts}: ${this.spec.command} ${this.spec.args.join(' ')} (pid ${child.pid})\n`);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    child.on('error', (err) => this.onLine(`spawn error: ${err.message}`));
    child.on('exit', (code, signal) => {
      const how = signal ?? `code ${code}`;
      this.log.write(`--- ${new Date().toISOString()} exited (${how})\n`);
      if (this.child === child) this.child = undefined;
      for (const w of this.exitWaiters.splice(0)) w();
      if (this.stopping) return;
      this.crashes.push(how);
      const delay = this.spec.restartDelayMs;
      this.onEvent(`${this.name} exited unexpectedly (${how})${delay === undefined ? '' : `; restarting in ${delay} ms`}`);
      if (delay !== undefined) {
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          if (!this.stopping) this.start();
        }, delay);
      }
    });
  }

  private onLine(line: string) {
    this.lines.push(line);
    if (this.lines.length > 5000) {
      // Bounded memory; marks stay absolute through `shift`.
      this.lines = this.lines.slice(2500);
      this.shift += 2500;
    }
    this.log.write(line + '\n');
    if (this.spec.echo) process.stdout.write(`[${this.name}] ${line}\n`);
    this.waiters = this.waiters.filter((w) => {
      if (w.pattern.test(line)) {
        w.resolve(line);
        return false;
      }
      return true;
    });
  }

  /** Resolves at the first line matching `pattern` after mark `from` (default: any line seen so far). */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const start = Math.max(0, from - this.shift);
    const seen = this.lines.slice(start).find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms (log: ${this.spec.logFile})`));
      }, timeoutMs);
      const waiter = {
        pattern,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private exited(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /** Stops on purpose: `signal` (SIGTERM), then SIGKILL after the grace period. No restart. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || !this.running) return;
    const done = this.exited();
    child.kill(signal);
    const grace = this.spec.stopGraceMs ?? 20_000;
    const timer = setTimeout(() => {
      this.onEvent(`${this.name} did not stop within ${grace} ms; SIGKILL`);
      child.kill('SIGKILL');
    }, grace);
    await done;
    clearTimeout(timer);
  }

  /** Resident memory in MiB (from /proc), undefined when not running. */
  rssMiB(): number | undefined {
    const pid = this.pid;
    if (!pid) return undefined;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 1024) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The last `n` lines of output (for failure reports). */
  tail(n = 30): string[] {
    return this.lines.slice(-n);
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((r) => this.log.end(() => r()));
  }
}
