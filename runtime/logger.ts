// The service's logger: JSON lines by default (what log pipelines read), readable lines on a terminal.
// LOG_FORMAT=json|pretty forces one; unset, a terminal (stdout is a TTY) gets pino-pretty.
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { DefaultLogger, Runtime, type LogLevel, type TelemetryOptions } from '@temporalio/worker';

// A charge-link token (`cl_` + 32 base64url characters) is a bearer secret. It can reach a log line in the
// request URL, in headers (a browser's Referer from the /pay page, Origin), in an error message that names
// a path, or in anything a future field carries; also percent-encoded (`%63l_…` routes to the same link).
const CHARGE_LINK_TOKEN_IN_TEXT = /(?<![A-Za-z0-9_])(?:c|%[46]3)(?:l|%[46]c)(?:_|%5f)[A-Za-z0-9_%-]{8,}/gi;

/** Replaces every charge-link token in `text` by `cl_[redacted]`. */
export function redactSecrets(text: string): string {
  return text.replace(CHARGE_LINK_TOKEN_IN_TEXT, 'cl_[redacted]');
}

/** `value` with every string in it (nested objects and arrays too) passed through redactSecrets. */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, depth + 1);
  return out as T;
}

/**
 * The process logger. Bearer keys are censored by path; charge-link tokens are removed from the finished
 * line itself (pino's streamWrite hook), so no field, present or future, can carry one to the log.
 */
export function createLogger(level: string, name = 'points', destination?: DestinationStream, format = process.env.LOG_FORMAT): Logger {
  const options = {
    name,
    level,
    redact: { paths: ['req.headers.authorization', 'apiKey'], censor: '[redacted]' },
    hooks: { streamWrite: redactSecrets },
  };
  if (destination) return pino(options, destination);
  const pretty = format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true);
  if (!pretty) return pino(options);
  return pino(options, PinoPretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
}

const TEMPORAL_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'debug', // the SDK's info lines (bundle created, worker state) are operator detail, not news
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's own log lines (worker, bundler, core) through `logger`, with the SDK's
 * telemetry options (worker metrics) when given. The Runtime is process-wide: call once per process.
 */
export function installTemporalLogging(logger: Logger, telemetryOptions?: TelemetryOptions): void {
  const sdk = logger.child({ component: 'temporal' });
  Runtime.install({
    telemetryOptions,
    logger: new DefaultLogger('DEBUG', ({ level, message, meta }) => sdk[TEMPORAL_LEVELS[level]]({ ...meta }, message)),
  });
}
