import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'points'): Logger {
  return pino({ name, level, redact: { paths: ['req.headers.authorization', 'apiKey'], censor: '[redacted]' } });
}
