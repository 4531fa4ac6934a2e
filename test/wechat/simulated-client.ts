import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Sensitive, sensitive } from '../../shared/sensitive.js';
import type { AuthorizerAccessToken, WechatComponentClient } from '../../shared/wechat/index.js';
import { WechatSimulator } from '../../simulator/index.js';
import { clientFor, componentToken } from '../support/simulated-wechat.js';

/** A simulated WeChat with 1,200 authorizers, a client for it and a component token: one per test file. */
export interface SimulatedClient {
  readonly simulator: WechatSimulator;
  readonly client: WechatComponentClient;
  /** The component token calls are made with; a test that invalidates it sets a new one. */
  token: Sensitive;
  /** The `index`th listed authorizer and its refresh token, as WeChat holds it now. */
  firstAuthorizer(index?: number): { appId: string; refreshToken: Sensitive };
  renew(appId: string, refreshToken: Sensitive, componentAccessToken?: Sensitive): Promise<AuthorizerAccessToken>;
}

/** Started before the file's tests, closed after them; faults and counters are cleared after each test. */
export function useSimulatedClient(): SimulatedClient {
  let started: { simulator: WechatSimulator; client: WechatComponentClient } | undefined;
  const running = () => {
    if (!started) throw new Error('the simulator is started in beforeAll: use it inside a test');
    return started;
  };
  let token: Sensitive | undefined;
  beforeAll(async () => {
    const simulator = await WechatSimulator.start({ authorizers: 1_200 });
    const client = clientFor(simulator);
    started = { simulator, client };
    token = await componentToken(simulator, client);
  });
  afterAll(() => started?.simulator.close());
  afterEach(() => {
    running().simulator.faults.clear();
    running().simulator.counters.reset();
  });
  const fixture: SimulatedClient = {
    get simulator() {
      return running().simulator;
    },
    get client() {
      return running().client;
    },
    get token() {
      if (!token) throw new Error('the component token is obtained in beforeAll: use it inside a test');
      return token;
    },
    set token(value) {
      token = value;
    },
    firstAuthorizer(index = 0) {
      const record = running().simulator.world.population.listing()[index];
      if (!record) throw new Error('the simulator has no such authorizer');
      return { appId: record.appId, refreshToken: sensitive(record.refreshToken) };
    },
    renew(appId, refreshToken, componentAccessToken = fixture.token) {
      return running().client.getAuthorizerAccessToken(componentAccessToken, {
        authorizerAppId: appId,
        authorizerRefreshToken: refreshToken,
      });
    },
  };
  return fixture;
}
