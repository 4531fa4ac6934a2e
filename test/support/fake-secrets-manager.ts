import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Secrets Manager's GetSecretValue on loopback, speaking its JSON protocol (awsJson1_1: a POST with
 * `X-Amz-Target: secretsmanager.GetSecretValue`): what a bundled function reaches through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`, since the SDK inside a bundle cannot be mocked from outside.
 */
export interface FakeSecretsManager {
  readonly url: string;
  /** The SecretId of every GetSecretValue, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeSecretsManager(secrets: Readonly<Record<string, string>>): Promise<FakeSecretsManager> {
  const requests: string[] = [];
  const server = createServer(async (request, response) => {
    const body = JSON.parse((await textOf(request)) || '{}') as { SecretId?: string };
    const answer = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(payload));
    };
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return answer(400, { __type: 'UnknownOperationException', message: String(request.headers['x-amz-target']) });
    }
    const secretId = body.SecretId ?? '';
    requests.push(secretId);
    const value = secrets[secretId];
    if (value === undefined) {
      return answer(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    answer(200, {
      ARN: secretId,
      Name: secretId.split(':').at(-1),
      SecretString: value,
      VersionId: '00000000-0000-4000-8000-000000000001',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_795_428_000,
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function textOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}
