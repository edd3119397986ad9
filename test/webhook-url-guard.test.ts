// The webhook URL policy and the pinned connection: which addresses count as non-public, that every
// address a name resolves to is checked, and that an attempt connects to the address that was checked even
// when DNS answers differently a moment later (DNS rebinding). Also the secrets' encryption at rest.
import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { checkWebhookUrl, isNonPublicAddress, parseWebhookUrl, UrlRefused } from '../webhooks/url-guard.ts';
import { postToTarget } from '../webhooks/http.ts';
import { decryptSecret, encryptionKeyFrom, encryptSecret, newWebhookSecret } from '../webhooks/secrets.ts';
import { startReceiver, type Receiver } from './support/webhook-receiver.ts';

const strict = { allowHttp: false, allowPrivateNetworks: false };
const resolver = (answers: Record<string, string[]>) => async (host: string) => {
  const a = answers[host];
  if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(200);
});
afterAll(async () => {
  await receiver?.close();
});

describe('non-public addresses', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2001:db8::1',
  ])('%s is refused', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe('checkWebhookUrl', () => {
  it('wants https unless http is allowed, and no credentials', () => {
    expect(() => parseWebhookUrl('http://example.com/', strict)).toThrow(/must be an https URL/);
    expect(parseWebhookUrl('http://example.com/', { allowHttp: true }).protocol).toBe('http:');
    expect(() => parseWebhookUrl('https://a:b@example.com/', strict)).toThrow(/credentials/);
    expect(() => parseWebhookUrl('not a url', strict)).toThrow(UrlRefused);
  });

  it('checks every address a name resolves to, and refuses names that do not resolve', async () => {
    const dns = resolver({ 'hooks.example.com': ['93.184.216.34'], 'mixed.example.com': ['93.184.216.34', '10.0.0.7'], 'v6.example.com': ['fe80::1'] });
    await expect(checkWebhookUrl('https://hooks.example.com/x', strict, dns)).resolves.toMatchObject({
      address: '93.184.216.34',
      family: 4,
      hostname: 'hooks.example.com',
    });
    await expect(checkWebhookUrl('https://mixed.example.com/x', strict, dns)).rejects.toThrow(/resolves to 10\.0\.0\.7/);
    await expect(checkWebhookUrl('https://v6.example.com/x', strict, dns)).rejects.toThrow(/fe80::1/);
    await expect(checkWebhookUrl('https://nowhere.example.com/x', strict, dns)).rejects.toThrow(/does not resolve \(ENOTFOUND\)/);
    await expect(checkWebhookUrl('https://mixed.example.com/x', { allowHttp: false, allowPrivateNetworks: true }, dns)).resolves.toMatchObject({
      address: '93.184.216.34',
    });
  });

  it('an attempt connects to the checked address, whatever the name resolves to later (DNS rebinding)', async () => {
    // The check resolves rebind.test to the receiver's address; the request never asks DNS again (the real
    // resolver would not know rebind.test at all), and the Host header still names the URL's host.
    const target = await checkWebhookUrl(
      `http://rebind.test:${receiver.port}/pinned`,
      { allowHttp: true, allowPrivateNetworks: true },
      resolver({ 'rebind.test': ['127.0.0.1'] }),
    );
    const outcome = await postToTarget(target, '{"ok":true}', { 'x-test': '1' }, 5_000);
    expect(outcome).toMatchObject({ statusCode: 200, error: null });
    const got = receiver.received.find((r) => r.path === '/pinned')!;
    expect(got.headers.host).toBe(`rebind.test:${receiver.port}`);
    expect(got.rawBody).toBe('{"ok":true}');
    // Without the private-network flag, the same name is refused before any connection.
    await expect(
      checkWebhookUrl(
        `http://rebind.test:${receiver.port}/pinned`,
        { allowHttp: true, allowPrivateNetworks: false },
        resolver({ 'rebind.test': ['127.0.0.1'] }),
      ),
    ).rejects.toThrow(UrlRefused);
  });

  it('a refused connection is an outcome with an error, not a throw', async () => {
    const target = await checkWebhookUrl('http://127.0.0.1:1/closed', { allowHttp: true, allowPrivateNetworks: true });
    const outcome = await postToTarget(target, '{}', {}, 2_000);
    expect(outcome.statusCode).toBeNull();
    expect(outcome.error).toMatch(/ECONNREFUSED/);
  });
});

describe('secrets at rest', () => {
  it('AES-256-GCM bound to the endpoint id: decrypts for it, not for another endpoint or another key', () => {
    const key = encryptionKeyFrom('a'.repeat(64));
    const secret = newWebhookSecret();
    const stored = encryptSecret(key, 'endpoint-1', secret);
    expect(stored).not.toContain(secret);
    expect(decryptSecret(key, 'endpoint-1', stored)).toBe(secret);
    expect(() => decryptSecret(key, 'endpoint-2', stored)).toThrow();
    expect(() => decryptSecret(encryptionKeyFrom('b'.repeat(64)), 'endpoint-1', stored)).toThrow();
    expect(encryptSecret(key, 'endpoint-1', secret)).not.toBe(stored);
    expect(() => encryptionKeyFrom('short')).toThrow(/WEBHOOK_ENCRYPTION_KEY/);
  });
});
