import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { callbackEvent, simulatorComponent } from '../fixtures/api-gateway.js';
import { independentPush, independentSignature } from './independent-wxcrypt.js';

// Pushes as WeChat sends them (sealed by the independent implementation) and as an attacker who holds
// the component's message Token, but not its EncodingAESKey, can change them; every ciphertext can be
// signed again, none can be decrypted or made anew.

export type PushFields = Readonly<Record<string, string | number>>;

/** A query string and body, as the callback's event carries them. */
export interface WirePush {
  readonly query: Record<string, string>;
  readonly body: string;
}

/** The inner XML WeChat encrypts: numbers as they are, strings in CDATA. */
export function pushXml(fields: PushFields): string {
  return `<xml>${Object.entries(fields)
    .map(([name, value]) =>
      typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`,
    )
    .join('')}</xml>`;
}

/** `fields` sealed for the simulator's component, stamped `timestamp` (unix seconds). */
export function sealedPush(
  fields: PushFields,
  at: { timestamp: number | string; nonce?: string; random16?: string },
  credentials = simulatorComponent,
): WirePush {
  return independentPush(credentials, pushXml(fields), {
    timestamp: String(at.timestamp),
    nonce: at.nonce ?? '1372623149',
    ...(at.random16 === undefined ? {} : { random16: at.random16 }),
  });
}

/** A ticket push of the simulator's component, created at `createTime` and sent then. */
export function ticketPush(createTime: number, ticket = 'ticket@@@attacked', random16?: string): WirePush {
  return sealedPush(
    {
      AppId: simulatorComponent.appId,
      CreateTime: createTime,
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket,
    },
    { timestamp: createTime, ...(random16 === undefined ? {} : { random16 }) },
  );
}

/** The `<Encrypt>` of a body built by `independentPush`. */
export function encryptOf(push: WirePush): string {
  const match = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(push.body);
  if (!match?.[1]) throw new Error('the push has no <Encrypt>');
  return match[1];
}

/**
 * The push with its ciphertext replaced and signed again with the message Token, timestamp and nonce
 * kept: what someone with the Token sends to learn how the callback treats that ciphertext.
 */
export function resigned(push: WirePush, encrypt: string, token = simulatorComponent.token): WirePush {
  const { timestamp = '', nonce = '' } = push.query;
  return {
    query: { ...push.query, msg_signature: independentSignature(token, timestamp, nonce, encrypt) },
    body: push.body.replace(encryptOf(push), encrypt),
  };
}

/** The ciphertext with byte `index` set to `value` (a negative index counts from the end). */
export function withByte(encrypt: string, index: number, value: number): string {
  const bytes = Buffer.from(encrypt, 'base64');
  bytes[index < 0 ? bytes.length + index : index] = value;
  return bytes.toString('base64');
}

/** The callback's event for a wire push. */
export const eventOf = (push: WirePush) => callbackEvent(push);

/** Every item of the table, sorted by key: what "the table is unchanged" compares. */
export async function tableDump(doc: DynamoDBDocumentClient, tableName: string): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return JSON.stringify(items.sort((a, b) => String(a['pk']).localeCompare(String(b['pk']))));
}
