import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** A trace segment as the X-Ray SDK sends it to the daemon (the fields the tests read). */
export interface XraySegment {
  readonly name: string;
  readonly trace_id?: string;
  readonly subsegments?: readonly XraySegment[];
  readonly [field: string]: unknown;
}

/**
 * The X-Ray daemon's UDP port on loopback: what `AWS_XRAY_DAEMON_ADDRESS` points a traced function at.
 * Each datagram is a JSON header line and a JSON segment.
 */
export interface FakeXrayDaemon {
  /** `127.0.0.1:<port>`, as AWS_XRAY_DAEMON_ADDRESS takes it. */
  readonly address: string;
  readonly segments: XraySegment[];
  close(): Promise<void>;
}

export async function startFakeXrayDaemon(): Promise<FakeXrayDaemon> {
  const segments: XraySegment[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (message) => {
    const [, body] = message.toString('utf8').split('\n');
    if (body) segments.push(JSON.parse(body) as XraySegment);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    segments,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Every segment's and subsegment's name, depth first. */
export function segmentNames(segments: readonly XraySegment[]): string[] {
  return segments.flatMap((segment) => [segment.name, ...segmentNames(segment.subsegments ?? [])]);
}
