import { describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { startCallbackReceiver } from '../support/callback-receiver.js';
import { componentCrypto } from '../support/simulated-wechat.js';
import { useSimulators } from './started.js';

// Pushes to a callback URL (simulator/push.ts).
const simulatorWith = useSimulators();

describe('pushes', () => {
  it('pushes an unauthorized event that the account revoked, and reports a refused push as not accepted', async () => {
    const simulator = await simulatorWith({ authorizers: 2 });
    const receiver = await startCallbackReceiver(componentCrypto());
    try {
      const appId = simulator.world.population.listing()[0]?.appId ?? '';
      const result = await simulator.pushAuthorizationEvent('unauthorized', appId, receiver.url);
      expect(result.accepted).toBe(true);
      expect(receiver.received[0]?.fields).toMatchObject({
        InfoType: 'unauthorized',
        AuthorizerAppid: appId,
        AppId: SIMULATOR_CREDENTIALS.componentAppId,
      });
      expect(simulator.world.refreshTokenOf(appId)).toBeUndefined();

      expect(result.deliveries).toBe(1);

      const stranger = await simulatorWith({ encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' });
      const refused = await stranger.pushTicket(receiver.url);
      // Refused pushes are sent again, as WeChat does, three times in all.
      expect(refused).toMatchObject({ status: 400, accepted: false, deliveries: 3 });
    } finally {
      await receiver.close();
    }
  });
});

it('redelivers the very same push until it is answered success', async () => {
  const simulator = await simulatorWith();
  const receiver = await startCallbackReceiver(componentCrypto(), { refuseFirst: 2 });
  try {
    const result = await simulator.pushTicket(receiver.url);
    expect(result).toMatchObject({ accepted: true, deliveries: 3 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((push) => push.xml)).size).toBe(1);
  } finally {
    await receiver.close();
  }
});
