import { createDecipheriv } from 'node:crypto';
import { buildFlatXml, MessageCrypto, openPush, sealPush } from '../../shared/push/index.js';
import { sensitive } from '../../shared/sensitive.js';
import { type BenchRow, medianMs, paired } from '../harness.js';

/**
 * openPush (size check, outer XML, signature, decrypt, inner XML) against the floor of any receiver:
 * a bare AES-256-CBC decryption of the same ciphertext.
 */
export async function cryptoSuite(): Promise<BenchRow[]> {
  const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const crypto = new MessageCrypto({
    appId: 'wxb11529c136998cb6',
    token: sensitive('pamtest'),
    encodingAesKey: sensitive(encodingAesKey),
  });
  const message = buildFlatXml({
    AppId: 'wxb11529c136998cb6',
    CreateTime: 1_700_000_000,
    InfoType: 'component_verify_ticket',
    ComponentVerifyTicket: `ticket@@@${'x'.repeat(86)}`,
  });
  const push = sealPush(crypto, message, { timestamp: '1700000000', nonce: '12345' });
  const encrypt = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(push.body)?.[1] ?? '';
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const bareDecrypt = () => {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    return Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
  };
  const options = { rounds: 15, batch: 500 };
  const { measured, baseline } = await paired(
    () => medianMs(() => openPush(crypto, push), options),
    () => medianMs(bareDecrypt, options),
  );
  return [
    {
      name: 'openPush (verify+decrypt+parse) of a ticket push',
      measured: { label: 'openPush', value: measured * 1000, unit: 'µs' },
      baseline: { label: 'bare AES decrypt', value: baseline * 1000, unit: 'µs' },
      goal: '— (µs against a 10-minute push interval)',
    },
  ];
}
