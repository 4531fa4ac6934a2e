import { afterEach, describe, expect, it, vi } from 'vitest';
import { signedPutEventsClient } from '../../functions/events/put-events-client.js';
import { deriveEvents, entryOf } from '../../shared/events/index.js';
import { authorizer, COMPONENT, change, streamRecord } from './changes.js';

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-key-example' });

describe('PutEvents over signed fetch', () => {
  it('sends the JSON 1.1 call EventBridge takes, signed for events in the Region', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const fetcher = (async (url: URL, init: RequestInit) => {
      sent.push({ url: String(url), init });
      return new Response(JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'abc' }] }), { status: 200 });
    }) as typeof fetch;
    const client = signedPutEventsClient({ region: 'ap-east-1', credentials, fetch: fetcher });
    const [event] = deriveEvents(change(undefined, authorizer()), { componentAppId: COMPONENT });
    if (!event) throw new Error('no event');
    const entry = entryOf(event, 'hub-bus');
    expect(await client.putEvents([entry])).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'abc' }] });
    const [call] = sent;
    expect(call?.url).toBe('https://events.ap-east-1.amazonaws.com/');
    const headers = call?.init.headers as Record<string, string>;
    expect(headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-east-1\/events\/aws4_request/,
    );
    expect(JSON.parse(String(call?.init.body))).toEqual({
      Entries: [
        {
          Source: 'wechat-authorizer-tokens',
          DetailType: 'Authorizer Authorized',
          Detail: entry.Detail,
          EventBusName: 'hub-bus',
          Time: 1_700_000_001,
        },
      ],
    });
  });

  it('a refused call is a PutEventsCallError naming the error type, not the message', async () => {
    const fetcher = (async () =>
      new Response(JSON.stringify({ __type: 'com.amazon#AccessDeniedException', message: 'quoting input' }), {
        status: 400,
      })) as typeof fetch;
    const client = signedPutEventsClient({ region: 'eu-west-1', credentials, fetch: fetcher });
    await expect(client.putEvents([])).rejects.toThrow(/^PutEvents failed: 400 AccessDeniedException$/);
  });
});

describe('the Lambda entry', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('without EVENT_BUS_NAME: an operator error naming it', async () => {
    vi.stubEnv('COMPONENT_APPID', 'wxc');
    vi.stubEnv('TABLE_NAME', 't');
    vi.stubEnv('COMPONENT_SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:1:secret:x');
    vi.stubEnv('EVENT_BUS_NAME', '');
    const { handler } = await import('../../functions/events/handler.js');
    await expect(handler({ Records: [streamRecord(change(undefined, authorizer()))] })).rejects.toThrow(
      /EVENT_BUS_NAME is required by the events function/,
    );
  });
});
