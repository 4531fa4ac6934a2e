import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { callbackEvent, simulatorComponent as component } from '../fixtures/api-gateway.js';
import { encryptOf, type PushFields, resigned, sealedPush, type WirePush, withByte } from './push-attacker.js';

// What the callback's fuzzing property sends (test/functions/callback-fuzz.test.ts), each case with
// whether it is genuine: the signed content WeChat sent, unchanged, within the window. The model here
// is written from WeChat's documentation and the API's, not from the handler's code.

export interface FuzzCase {
  readonly label: string;
  readonly event: APIGatewayProxyEventV2;
  /** `either`: the model cannot tell (see `flippedBody`); the answer must be `success` or the refusal. */
  readonly genuine: boolean | 'either';
}

const SKEW_S = 300;
const QUERY_PARAMS = ['timestamp', 'nonce', 'msg_signature', 'encrypt_type'] as const;

/** 16 bytes of text for the plaintext's random prefix, and a nonce: so that two pushes differ. */
const random16 = fc.stringMatching(/^[0-9a-f]{16}$/);
const nonce = fc.stringMatching(/^[1-9][0-9]{0,9}$/);
/** One character, any code point. */
const oneChar = fc.string({ minLength: 1, maxLength: 1, unit: 'binary' });
const word = fc.stringMatching(/^[A-Za-z0-9_@-]{1,40}$/);

/** The fields of a push WeChat would send now: a ticket, a revocation, or a type the hub ignores. */
function genuineFields(nowS: number): fc.Arbitrary<Record<string, string | number>> {
  const createTime = fc.integer({ min: nowS - SKEW_S + 2, max: nowS + SKEW_S - 2 });
  return fc.oneof(
    fc.record({
      AppId: fc.constant(component.appId),
      CreateTime: createTime,
      InfoType: fc.constant('component_verify_ticket'),
      ComponentVerifyTicket: word.map((w) => `ticket@@@${w}`),
    }),
    fc.record({
      AppId: fc.constant(component.appId),
      CreateTime: createTime,
      InfoType: fc.constant('unauthorized'),
      AuthorizerAppid: fc.stringMatching(/^wx[0-9a-f]{16}$/),
    }),
    fc.record({
      AppId: fc.constant(component.appId),
      CreateTime: createTime,
      InfoType: fc.constantFrom('notify_third_fasteregister', 'notify_apply_icp_filing_result'),
    }),
  );
}

/** Whether WeChat's documented push rules accept these fields at `nowS` (CDATA values are not trimmed). */
export function acceptable(fields: Readonly<Record<string, string | number>>, nowS: number): boolean {
  const text = (name: string) => (fields[name] === undefined ? undefined : String(fields[name]));
  const createTime = text('CreateTime');
  if (text('AppId') !== component.appId) return false;
  if (createTime === undefined || !/^[1-9][0-9]{0,11}$/.test(createTime)) return false;
  if (Math.abs(Number(createTime) - nowS) > SKEW_S) return false;
  switch (text('InfoType')) {
    case 'component_verify_ticket':
      return Boolean(text('ComponentVerifyTicket'));
    case 'unauthorized':
      return /^[A-Za-z0-9_-]{1,64}$/.test(text('AuthorizerAppid') ?? '');
    case 'authorized':
    case 'updateauthorized':
      return false; // the cases never carry an authorization code
    default:
      return true;
  }
}

/** A genuine push as WeChat sends it now: the fields, sealed and signed, stamped `timestamp`. */
function genuinePush(nowS: number): fc.Arbitrary<{ fields: Record<string, string | number>; push: WirePush }> {
  return fc
    .record({
      fields: genuineFields(nowS),
      offset: fc.integer({ min: -SKEW_S + 2, max: SKEW_S - 2 }),
      nonce,
      random16,
    })
    .map(({ fields, offset, nonce, random16 }) => ({
      fields,
      push: sealedPush(fields as PushFields, { timestamp: nowS + offset, nonce, random16 }),
    }));
}

const event = (push: WirePush, extra: Partial<APIGatewayProxyEventV2> = {}) => ({ ...callbackEvent(push), ...extra });

/** Anything at all: bodies and query strings of random text or bytes, some past the cheap checks. */
function randomEvents(nowS: number): fc.Arbitrary<FuzzCase> {
  const key = fc.oneof(fc.constantFrom(...QUERY_PARAMS, 'signature'), fc.string({ maxLength: 12 }));
  const value = fc.oneof(fc.string({ maxLength: 60 }), fc.constant('aes'), fc.constant(String(nowS)));
  return fc
    .record({
      query: fc.dictionary(key, value, { maxKeys: 6 }),
      passScreen: fc.boolean(),
      body: fc.oneof(
        fc.string({ maxLength: 400 }),
        fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        fc.string({ maxLength: 200 }).map((inner) => `<xml><Encrypt><![CDATA[${inner}]]></Encrypt></xml>`),
      ),
      base64: fc.boolean(),
    })
    .map(({ query, passScreen, body, base64 }) => {
      const q = passScreen ? { ...query, encrypt_type: 'aes', timestamp: String(nowS) } : query;
      const encoded = base64 ? { body: Buffer.from(body, 'latin1').toString('base64'), isBase64Encoded: true } : {};
      return { label: 'random', event: event({ query: q, body }, encoded), genuine: false };
    });
}

/** A genuine push with one field of its plaintext changed (or removed), sealed and signed again. */
function changedFields(nowS: number): fc.Arbitrary<FuzzCase> {
  const replacement = fc.oneof(
    word,
    fc.constant(''),
    fc.constantFrom('9999999999', '0x10', '1e9', ' 5', '-5', `0${nowS}`, `${nowS}.0`, `+${nowS}`),
    fc.integer({ min: nowS - 4 * SKEW_S, max: nowS + 4 * SKEW_S }),
    fc.constantFrom('wx0000000000000000', component.appId, 'component_verify_ticket', 'unauthorized'),
  );
  return fc
    .record({
      base: genuinePush(nowS),
      field: fc.constantFrom('AppId', 'CreateTime', 'InfoType', 'ComponentVerifyTicket', 'AuthorizerAppid'),
      value: fc.option(replacement, { nil: undefined }),
      nonce,
      random16,
    })
    .map(({ base, field, value, nonce, random16 }) => {
      const fields: Record<string, string | number> = { ...base.fields };
      if (value === undefined) delete fields[field];
      else fields[field] = value;
      const push = sealedPush(fields as PushFields, { timestamp: nowS, nonce, random16 });
      return {
        label: `field ${field}=${JSON.stringify(value)}`,
        event: event(push),
        genuine: acceptable(fields, nowS),
      };
    });
}

/** A genuine push with a query parameter changed, removed or swapped; extra parameters, headers, base64. */
function changedQuery(nowS: number): fc.Arbitrary<FuzzCase> {
  const change = fc.oneof(
    fc.record({ kind: fc.constant('remove' as const), param: fc.constantFrom(...QUERY_PARAMS) }),
    fc.record({
      kind: fc.constant('replace' as const),
      param: fc.constantFrom(...QUERY_PARAMS),
      value: fc.oneof(fc.string({ maxLength: 50 }), fc.stringMatching(/^[0-9a-fA-F]{40}$/)),
    }),
    fc.record({
      kind: fc.constant('flip' as const),
      param: fc.constantFrom(...QUERY_PARAMS),
      at: fc.nat(),
      to: oneChar,
    }),
    fc.constant({ kind: 'swap' as const }),
    fc.constant({ kind: 'upper' as const }),
    fc.record({
      kind: fc.constant('extra' as const),
      extra: fc.dictionary(fc.constantFrom('signature', 'openid', 'x'), fc.string()),
    }),
    fc.record({
      kind: fc.constant('headers' as const),
      headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string()),
    }),
    fc.constant({ kind: 'base64' as const }),
  );
  return fc.record({ base: genuinePush(nowS), change }).map(({ base, change }) => {
    const original = base.push.query;
    const query: Record<string, string> = { ...original };
    let extra: Partial<APIGatewayProxyEventV2> = {};
    let body = base.push.body;
    switch (change.kind) {
      case 'remove':
        delete query[change.param];
        break;
      case 'replace':
        query[change.param] = change.value;
        break;
      case 'flip': {
        const text = query[change.param] ?? '';
        const at = text.length === 0 ? 0 : change.at % text.length;
        query[change.param] = `${text.slice(0, at)}${change.to}${text.slice(at + 1)}`;
        break;
      }
      case 'swap':
        [query['timestamp'], query['nonce']] = [original['nonce'] ?? '', original['timestamp'] ?? ''];
        break;
      case 'upper':
        query['msg_signature'] = (original['msg_signature'] ?? '').toUpperCase();
        break;
      case 'extra':
        Object.assign(query, change.extra, { ...pick(original, QUERY_PARAMS) });
        break;
      case 'headers':
        extra = { headers: change.headers };
        break;
      case 'base64':
        body = Buffer.from(body, 'utf8').toString('base64');
        extra = { isBase64Encoded: true };
        break;
    }
    // Genuine: the four signed or checked parameters as WeChat sent them (hex is hex in either case).
    const genuine = QUERY_PARAMS.every((param) =>
      param === 'msg_signature' ? query[param]?.toLowerCase() === original[param] : query[param] === original[param],
    );
    return { label: `query ${change.kind}`, event: event({ query, body }, extra), genuine };
  });
}

/**
 * A genuine push with one character of its `<Encrypt>` element changed, the signature kept. Refused,
 * but for one leniency of fast-xml-parser (its validator too): it opens a CDATA section at `<![` and
 * skips the six characters after it unread, so that most changes of the word `CDATA[` leave the signed
 * ciphertext as it was (the push is then WeChat's own, unchanged where it is signed) and some (a
 * character of two UTF-16 units) do not: the model says `either` there.
 */
function flippedBody(nowS: number): fc.Arbitrary<FuzzCase> {
  return fc.record({ base: genuinePush(nowS), at: fc.nat(), to: oneChar }).map(({ base, at, to }) => {
    const { body } = base.push;
    const start = body.indexOf('<Encrypt>');
    const end = body.indexOf('</Encrypt>') + '</Encrypt>'.length;
    const index = start + (at % (end - start));
    const changed = body[index] === to ? (to === 'A' ? 'B' : 'A') : to;
    const push = { ...base.push, body: `${body.slice(0, index)}${changed}${body.slice(index + 1)}` };
    const keyword = body.indexOf('<![CDATA[', start) + '<!['.length;
    const skipped = index >= keyword && index < keyword + 'CDATA['.length;
    return { label: `body flip at ${index - start}`, event: event(push), genuine: skipped ? 'either' : false };
  });
}

/**
 * A genuine push's ciphertext with one byte changed, signed again (someone with the message Token): in
 * the first block (the length field and the first bytes of the message) or the last two (the AppId and
 * the padding), where CBC leaves nothing of the change to chance.
 */
function resignedFlip(nowS: number): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      base: genuinePush(nowS),
      block: fc.constantFrom('first', 'penultimate', 'last'),
      at: fc.nat(15),
      delta: fc.integer({ min: 1, max: 255 }),
    })
    .map(({ base, block, at, delta }) => {
      const encrypt = encryptOf(base.push);
      const bytes = Buffer.from(encrypt, 'base64');
      const index = block === 'first' ? at : bytes.length - (block === 'last' ? 16 : 32) + at;
      const flipped = withByte(encrypt, index, (bytes[index] ?? 0) ^ delta);
      return {
        label: `re-signed ${block} block byte ${at}`,
        event: event(resigned(base.push, flipped)),
        genuine: false,
      };
    });
}

/** Every kind of case, the genuine push itself among them. */
export function fuzzCases(nowS: number): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    randomEvents(nowS),
    changedFields(nowS),
    changedQuery(nowS),
    flippedBody(nowS),
    resignedFlip(nowS),
    genuinePush(nowS).map(({ push }) => ({ label: 'genuine', event: event(push), genuine: true })),
  );
}

function pick(record: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (record[name] === undefined ? [] : [[name, record[name]]])));
}
