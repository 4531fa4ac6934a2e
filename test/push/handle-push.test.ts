import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { independentPush } from '../support/independent-wxcrypt.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// The push use case's outcomes as values (shared/push/handle-push.ts); what the callback answers for
// each is test/functions/callback.test.ts.

const component = {
  token: SIMULATOR_CREDENTIALS.messageToken,
  encodingAesKey: SIMULATOR_CREDENTIALS.encodingAesKey,
  appId: SIMULATOR_CREDENTIALS.componentAppId,
};

describe('handlePush', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
  });
  afterEach(() => bed.close());

  const now = () => Math.floor(bed.clock.now() / 1000);
  const MALFORMED = { kind: 'refused', reason: 'malformed' };
  const lastProblem = () => JSON.parse(bed.logger.lines.at(-1) ?? '{}').problem;
  /** The push WeChat would send for `fields`, as the callback reads it from the event. */
  function push(fields: Record<string, string | number>, credentials = component) {
    const xml = `<xml>${Object.entries(fields)
      .map(([name, value]) =>
        typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`,
      )
      .join('')}</xml>`;
    const sealed = independentPush(credentials, xml, { timestamp: String(now()), nonce: '1372623149' });
    return {
      msgSignature: sealed.query['msg_signature'] ?? '',
      timestamp: sealed.query['timestamp'] ?? '',
      nonce: sealed.query['nonce'] ?? '',
      encryptType: 'aes',
      body: sealed.body,
    };
  }

  it('handled: a ticket is stored; a push of a type the component has no use for is acknowledged', async () => {
    const ticket = {
      AppId: component.appId,
      CreateTime: now(),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 'ticket@@@handled',
    };
    expect(await bed.pushes.handlePush(push(ticket))).toEqual({ kind: 'handled' });
    expect((await bed.component.get(component.appId))?.ticket?.ticket.reveal()).toBe('ticket@@@handled');
    expect(
      await bed.pushes.handlePush(
        push({ AppId: component.appId, CreateTime: now(), InfoType: 'notify_third_fasteregister' }),
      ),
    ).toEqual({ kind: 'handled' });
  });

  it('refused: a push that is not signed with the component token says why, and changes nothing', async () => {
    const sealed = push({
      AppId: component.appId,
      CreateTime: now(),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 'x',
    });
    expect(await bed.pushes.handlePush({ ...sealed, msgSignature: '0'.repeat(40) })).toEqual({
      kind: 'refused',
      reason: 'signature_mismatch',
    });
    expect(await bed.pushes.handlePush({ ...sealed, body: 'this is not xml' })).toEqual({
      kind: 'refused',
      reason: 'bad_xml',
    });
    expect(await bed.component.get(component.appId)).toBeUndefined();
  });

  it('refused as other_component: an opened push whose AppId names another component', async () => {
    const fields = {
      AppId: 'wx0000000000000000',
      CreateTime: now(),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 'x',
    };
    expect(await bed.pushes.handlePush(push(fields))).toEqual({ kind: 'refused', reason: 'other_component' });
  });

  it('refused as malformed: a field the push type needs is missing or not what it must be (the log says which)', async () => {
    const outcome = (fields: Record<string, string | number>) =>
      bed.pushes.handlePush(push({ AppId: component.appId, ...fields }));
    expect(await outcome({ InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'x' })).toEqual(MALFORMED);
    expect(lastProblem()).toBe('CreateTime is missing or not decimal seconds');
    expect(await outcome({ CreateTime: now(), InfoType: 'component_verify_ticket' })).toEqual(MALFORMED);
    expect(lastProblem()).toBe('the push has no ComponentVerifyTicket');
    expect(await outcome({ CreateTime: now(), InfoType: 'authorized', AuthorizationCode: 'code' })).toEqual(MALFORMED);
    expect(lastProblem()).toBe('the push has no AuthorizerAppid');
    expect(await outcome({ CreateTime: now(), InfoType: 'unauthorized', AuthorizerAppid: 'not an appid!' })).toEqual(
      MALFORMED,
    );
    expect(lastProblem()).toBe('AuthorizerAppid is not an appid');
    expect(
      await outcome({ CreateTime: now(), InfoType: 'updateauthorized', AuthorizerAppid: 'wx0000000000000001' }),
    ).toEqual(MALFORMED);
    expect(lastProblem()).toBe('the push has no AuthorizationCode');
  });

  it('refused as wrong_account: the code WeChat exchanged belongs to another account than the push names', async () => {
    await bed.storeTicket();
    const grant = bed.simulator.world.authorize();
    const other = bed.simulator.world.authorize();
    const fields = {
      AppId: component.appId,
      CreateTime: now(),
      InfoType: 'authorized',
      AuthorizerAppid: other.appId,
      AuthorizationCode: grant.authorizationCode,
    };
    expect(await bed.pushes.handlePush(push(fields))).toEqual({ kind: 'refused', reason: 'wrong_account' });
  });
});
