import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REFUSED } from '../../functions/callback/callback.js';
import { simulatorComponent as component } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { encryptOf, eventOf, resigned, tableDump, ticketPush, withByte } from '../support/push-attacker.js';

// Issue 14, point 1: the padding oracle. Someone with the message Token (not the EncodingAESKey) sets
// one byte of a captured ciphertext to each of its 256 values and signs each again: the byte before the
// last block is the one CBC feeds into the padding. Told apart, the answers decrypt the push a byte at a
// time; they must all be the one refusal, but for the genuine one.

describe('the callback is no padding oracle', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
  });
  afterEach(() => bed.close());

  const answerOf = (answer: { statusCode: number; headers?: unknown; body: string }) =>
    JSON.stringify({ status: answer.statusCode, headers: answer.headers, body: answer.body });

  it('the 256 values of the byte before the last block, signed again: one identical refusal for all but the genuine one', async () => {
    const genuine = ticketPush(Math.floor(bed.clock.now() / 1000), 'ticket@@@oracle-secret');
    const encrypt = encryptOf(genuine);
    const original = Buffer.from(encrypt, 'base64').at(-17);
    const before = await tableDump(bed.doc, bed.tableName);

    const answers = new Map<string, number>();
    for (let value = 0; value < 256; value++) {
      if (value === original) continue;
      const answer = answerOf(await bed.callback(eventOf(resigned(genuine, withByte(encrypt, -17, value)))));
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
    }
    expect([...answers]).toEqual([[answerOf(REFUSED), 255]]);
    expect(await tableDump(bed.doc, bed.tableName)).toBe(before);

    // Every one of them is logged with its reason, and counted as a decryption failure after a valid
    // signature: what raises the PushUndecryptable alarm.
    const refusals = bed.logger.lines.map((line) => JSON.parse(line)).filter((line) => line.reason !== undefined);
    expect(refusals).toHaveLength(255);
    const reasons = new Set(refusals.map((line) => line.reason));
    expect(reasons.has('bad_padding')).toBe(true);
    for (const reason of reasons)
      expect(['bad_padding', 'bad_length', 'bad_encoding', 'appid_mismatch']).toContain(reason);
    expect(bed.metrics.total('PushRefused')).toBe(255);
    expect(bed.metrics.total('PushUndecryptable')).toBe(255);
    for (const secret of ['oracle-secret', component.encodingAesKey, component.token])
      expect(bed.logger.lines.join('\n')).not.toContain(secret);

    // The genuine value, signed again as it was: handled.
    const answer = await bed.callback(eventOf(resigned(genuine, encrypt)));
    expect(answer).toMatchObject({ statusCode: 200, body: 'success' });
    expect((await bed.component.get(component.appId))?.ticket?.ticket.reveal()).toBe('ticket@@@oracle-secret');
  });

  it('a wrong signature, a stale timestamp, a foreign component and a missing field: the same refusal', async () => {
    const now = Math.floor(bed.clock.now() / 1000);
    const genuine = ticketPush(now);
    const variants = [
      { ...genuine, query: { ...genuine.query, msg_signature: '0'.repeat(40) } },
      { ...genuine, query: { ...genuine.query, encrypt_type: 'raw' } },
      { ...genuine, body: `<xml><Encrypt>${'A'.repeat(20_000)}</Encrypt></xml>` },
      { ...genuine, body: 'this is not xml' },
      ticketPush(now - 3_600),
    ];
    const answers = new Set<string>();
    for (const variant of variants) answers.add(answerOf(await bed.callback(eventOf(variant))));
    expect([...answers]).toEqual([answerOf(REFUSED)]);
    expect(bed.metrics.total('PushRefused')).toBe(variants.length);
    expect(bed.metrics.total('PushUndecryptable')).toBe(0);
  });
});
