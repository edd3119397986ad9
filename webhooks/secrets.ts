// Endpoint signing secrets. The service must sign with a secret, so it cannot keep only a hash (as it does
// for API keys): it keeps the secret encrypted with AES-256-GCM under WEBHOOK_ENCRYPTION_KEY, bound to the
// endpoint's id as associated data (a ciphertext copied onto another endpoint does not decrypt). A
// database dump alone reveals no secret. The secret is shown once, at creation or rotation.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { signatureHeader, signedPayload } from '../domain/webhooks.ts';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * The 32-byte key from WEBHOOK_ENCRYPTION_KEY: 64 hex characters or base64 of 32 bytes; any other string
 * (at least 32 characters) is stretched with SHA-256.
 */
export function encryptionKeyFrom(value: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const b64 = Buffer.from(value, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(value)) return b64;
  if (value.length < 32) throw new Error('WEBHOOK_ENCRYPTION_KEY must be 32 bytes (64 hex characters or base64) or a passphrase of at least 32 characters');
  return createHash('sha256').update(value).digest();
}

export function encryptSecret(key: Buffer, endpointId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(endpointId));
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(':');
}

export function decryptSecret(key: Buffer, endpointId: string, stored: string): string {
  const [version, iv, tag, ct] = stored.split(':');
  if (version !== 'v1' || !iv || !tag || !ct) throw new Error('unknown webhook secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(endpointId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}

/** The Points-Signature header for one attempt: one v1 per secret, the newest first. */
export function signDelivery(secrets: string[], t: number, body: string): string {
  return signatureHeader(
    t,
    secrets.map((s) => createHmac('sha256', s).update(signedPayload(t, body)).digest('hex')),
  );
}
