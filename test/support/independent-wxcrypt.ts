import { createCipheriv, createHash } from 'node:crypto';

// A second, deliberately separate implementation of WeChat's push encryption, written from the
// algorithm as WeChat's Java sample states it (and checked against that sample's published ciphertext
// in its own test), so that the callback is tested with pushes our own encrypt never produced.

export function independentEncrypt(encodingAesKey: string, appId: string, message: string, random16: string): string {
  const aesKey = Buffer.from(`${encodingAesKey}=`, 'base64');
  const messageBytes = Buffer.from(message, 'utf8');
  const networkOrder = Buffer.from([
    (messageBytes.length >> 24) & 0xff,
    (messageBytes.length >> 16) & 0xff,
    (messageBytes.length >> 8) & 0xff,
    messageBytes.length & 0xff,
  ]);
  const unpadded = Buffer.concat([
    Buffer.from(random16, 'utf8'),
    networkOrder,
    messageBytes,
    Buffer.from(appId, 'utf8'),
  ]);
  // PKCS7Encoder.encode in the sample: block size 32, pad amount 1..32.
  let amountToPad = 32 - (unpadded.length % 32);
  if (amountToPad === 0) amountToPad = 32;
  const padded = Buffer.concat([unpadded, Buffer.alloc(amountToPad, amountToPad)]);
  const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

export function independentSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  const parts = [token, timestamp, nonce, encrypt];
  parts.sort();
  const sha1 = createHash('sha1');
  for (const part of parts) sha1.update(part);
  return sha1.digest('hex');
}

/** The query string and body WeChat would send for `message`. */
export function independentPush(
  credentials: { token: string; encodingAesKey: string; appId: string },
  message: string,
  at: { timestamp: string; nonce: string; random16?: string },
): { query: Record<string, string>; body: string } {
  const encrypt = independentEncrypt(
    credentials.encodingAesKey,
    credentials.appId,
    message,
    at.random16 ?? 'q1w2e3r4t5y6u7i8',
  );
  return {
    query: {
      signature: createHash('sha1').update([credentials.token, at.timestamp, at.nonce].sort().join('')).digest('hex'),
      timestamp: at.timestamp,
      nonce: at.nonce,
      encrypt_type: 'aes',
      msg_signature: independentSignature(credentials.token, at.timestamp, at.nonce, encrypt),
    },
    body: `<xml>\n    <AppId><![CDATA[${credentials.appId}]]></AppId>\n    <Encrypt><![CDATA[${encrypt}]]></Encrypt>\n</xml>`,
  };
}
