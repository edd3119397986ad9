// The service's logger: JSON lines by default (what log pipelines read), readable lines on a terminal.
// LOG_FORMAT=json|pretty forces one; unset, a terminal (stdout is a TTY) gets pino-pretty.
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

export function createLogger(level: string, name = 'points', format = process.env.LOG_FORMAT): Logger {
  const options = { name, level, redact: { paths: ['req.headers.authorization', 'apiKey'], censor: '[redacted]' } };
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

/** Routes the Temporal SDK's own log lines (worker, bundler, core) through `logger`. Call once per process. */
export function installTemporalLogging(logger: Logger): void {
  const sdk = logger.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('DEBUG', ({ level, message, meta }) => sdk[TEMPORAL_LEVELS[level]]({ ...meta }, message)),
  });
}
