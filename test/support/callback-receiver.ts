import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MessageCrypto, type OpenedPush, openPush } from '../../shared/push/index.js';

/**
 * A minimal authorization-event URL for tests: opens each push with the given crypto, records what it
 * carried and answers `success` (or the error's reason with a 400; or a 500 for the first
 * `refuseFirst` pushes).
 */
export async function startCallbackReceiver(
  crypto: MessageCrypto,
  options: { refuseFirst?: number } = {},
): Promise<{
  url: string;
  received: OpenedPush[];
  close: () => Promise<void>;
}> {
  const received: OpenedPush[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const query = new URL(request.url ?? '/', 'http://receiver').searchParams;
      try {
        received.push(
          openPush(crypto, {
            msgSignature: query.get('msg_signature') ?? '',
            timestamp: query.get('timestamp') ?? '',
            nonce: query.get('nonce') ?? '',
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        // A receiver that fails after reading the push (a timeout, a 500): WeChat must send it again.
        if (received.length <= (options.refuseFirst ?? 0)) response.writeHead(500).end('try later');
        else response.end('success');
      } catch (error) {
        response.writeHead(400).end(error instanceof Error ? error.message : 'refused');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/wechat/callback`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
