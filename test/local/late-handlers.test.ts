import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LateHandlers, type LocalHandlers } from '../../infra/local/late-handlers.js';

/** The local API listens before its handlers are wired (the onboarding's URLs are its own): what a request meanwhile meets. */

const event = { routeKey: 'GET /component/token' } as APIGatewayProxyEventV2;
const answering = (body: string): LocalHandlers => ({
  getter: async () => ({ statusCode: 200, body }),
  callback: async () => ({ statusCode: 200, body }),
  onboarding: async () => ({ statusCode: 200, body }),
  control: async () => ({ status: 200, body }),
});

describe('LateHandlers', () => {
  it('a request made before the handlers are wired waits for them and is answered by them', async () => {
    const late = new LateHandlers();
    const early = late.handlers.getter(event);
    const control = late.handlers.control({ method: 'GET', pathname: '/__local/status', body: '' });
    late.wire(answering('wired'));
    await expect(early).resolves.toEqual({ statusCode: 200, body: 'wired' });
    await expect(control).resolves.toEqual({ status: 200, body: 'wired' });
    await expect(late.handlers.onboarding(event)).resolves.toEqual({ statusCode: 200, body: 'wired' });
  });

  it('a start that fails answers the requests waiting with an error (the server answers 500), and none is left hanging', async () => {
    const late = new LateHandlers();
    const early = late.handlers.callback(event);
    late.abandon();
    await expect(early).rejects.toMatchObject({ name: 'RuntimeNotServingError' });
    await expect(late.handlers.getter(event)).rejects.toMatchObject({ name: 'RuntimeNotServingError' });
  });

  it('once wired, a later abandon changes nothing', async () => {
    const late = new LateHandlers();
    late.wire(answering('wired'));
    late.abandon();
    await expect(late.handlers.getter(event)).resolves.toEqual({ statusCode: 200, body: 'wired' });
  });
});
