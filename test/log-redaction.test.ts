// Charge-link tokens are bearer secrets: captured log output of real requests (URL, Referer and Origin
// headers, 404s that name the path, refused form posts, revocation, a percent-encoded token) never
// contains one — with the service's logger (createLogger) and with any pino logger handed to the app.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino, type Logger } from 'pino';
import { createApp } from '../api/app.ts';
import { createLogger, redactSecrets } from '../runtime/logger.ts';
import { startTestService, type TestService } from './support/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

function capture(make: (stream: Writable) => Logger) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: make(stream), lines };
}

describe('redactSecrets', () => {
  it('masks tokens in paths, query strings, headers and percent-encoded forms, and nothing else', () => {
    const t = 'cl_AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    expect(redactSecrets(`/pay/${t}/card`)).toBe('/pay/cl_[redacted]/card');
    expect(redactSecrets(`https://x.example/pay/${t}?a=1`)).toBe('https://x.example/pay/cl_[redacted]?a=1');
    expect(redactSecrets(`/pay/%63l_${t.slice(3)}`)).toBe('/pay/cl_[redacted]');
    expect(redactSecrets(`/pay/%63%6C%5F${t.slice(3)}`)).toBe('/pay/cl_[redacted]');
    expect(redactSecrets('"token":"' + t + '"')).toBe('"token":"cl_[redacted]"');
    expect(redactSecrets('decl_something_long and cycl_abcdefghij')).toBe('decl_something_long and cycl_abcdefghij');
  });
});

describe('access and error logs of the charge-link routes', () => {
  const loggers: [string, (s: Writable) => Logger][] = [
    ['createLogger', (s) => createLogger('info', 'test', s)],
    ['a plain pino logger', (s) => pino({ level: 'info' }, s)],
  ];

  for (const [name, make] of loggers) {
    it(`never carry a token (${name})`, async () => {
      const { logger, lines } = capture(make);
      const app = createApp({ db: svc.db.prisma, temporal: svc.env.client, config: svc.config, logger });
      const account = await svc.account({ name: 'Log Shop' });
      const created = await svc.as(account.apiKey).post(`/v1/accounts/${account.id}/charge-links`, {});
      expect(created.status).toBe(201);
      const token: string = created.body.token;
      const secret = token.slice(3);

      const page = await request(app)
        .get(`/pay/${token}`)
        .set('Accept', 'text/html')
        .set('Referer', `https://shop.example/pay/${token}?utm=1`)
        .set('Origin', `https://shop.example/pay/${token}`);
      expect(page.status).toBe(200);
      expect((await request(app).get(`/pay/${token}/nothing-here`)).status).toBe(404);
      const refused = await request(app)
        .post(`/pay/${token}/bank-transfer`)
        .set('Accept', 'application/json')
        .set('Referer', `http://localhost/pay/${token}`)
        .send({ amount: 'lots' });
      expect(refused.status).toBe(400);
      expect((await request(app).get(`/pay/%63l_${secret}`).set('Accept', 'application/json')).status).toBe(200);
      const revoked = await request(app).delete(`/v1/charge-links/${token}`).set('Authorization', `Bearer ${account.apiKey}`);
      expect(revoked.status).toBe(204);

      const log = lines.join('');
      expect(lines.length).toBeGreaterThanOrEqual(5);
      expect(log).toContain('cl_[redacted]');
      expect(log).not.toContain(secret);
      expect(log).toMatch(/referer/i);
    });
  }
});
