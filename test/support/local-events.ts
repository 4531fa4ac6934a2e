/**
 * The lifecycle events of a local runtime, read at `GET /__local/events` (the stand-in bus), as a test
 * compares them: the detail-type, the detail, and the account or session they are about.
 */
export interface SeenEvent {
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly source: string | undefined;
  readonly id: string | undefined;
}

export async function readEvents(apiUrl: string): Promise<SeenEvent[]> {
  const response = await fetch(`${apiUrl}/__local/events`);
  if (response.status !== 200) throw new Error(`GET /__local/events answered ${response.status}`);
  const { events } = (await response.json()) as { events: ReadonlyArray<Readonly<Record<string, unknown>>> };
  return events.map(seen);
}

/** One published event, whether the bus keeps PutEvents entries (`DetailType`, `Detail` as JSON) or the delivered shape. */
function seen(event: Readonly<Record<string, unknown>>): SeenEvent {
  const rawDetail = event['detail'] ?? event['Detail'];
  const detail = typeof rawDetail === 'string' ? (JSON.parse(rawDetail) as Record<string, unknown>) : rawDetail;
  const detailType = event['detail-type'] ?? event['DetailType'] ?? event['detailType'];
  const source = event['source'] ?? event['Source'];
  const id = (detail as Record<string, unknown> | undefined)?.['eventId'] ?? event['id'] ?? event['Id'];
  return {
    detailType: String(detailType),
    detail: (detail ?? {}) as Record<string, unknown>,
    source: typeof source === 'string' ? source : undefined,
    id: typeof id === 'string' ? id : undefined,
  };
}

/** The account an event is about (an onboarding's once completed). */
export function appIdOf(event: SeenEvent): string | undefined {
  const { detail } = event;
  const value = detail['authorizer_appid'] ?? detail['appId'] ?? detail['appid'] ?? detail['authorizerAppId'];
  return typeof value === 'string' ? value : undefined;
}

export function revisionOf(event: SeenEvent): number {
  const value = event.detail['revision'];
  if (typeof value !== 'number')
    throw new Error(`${event.detailType} has no revision: ${JSON.stringify(event.detail)}`);
  return value;
}

/**
 * Waits (polling, bounded) until the events published after the first `since` satisfy `done`, and
 * returns them: an event derived from a write reaches the stand-in bus shortly after the write.
 */
export async function eventsAfter(
  apiUrl: string,
  since: number,
  done: (events: readonly SeenEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<SeenEvent[]> {
  // A bounded poll of our own rather than expect.poll: usable in a beforeAll too.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const latest = (await readEvents(apiUrl)).slice(since);
    if (done(latest)) return latest;
    if (Date.now() > deadline)
      throw new Error(
        `the events awaited were not published within ${timeoutMs} ms; published: ${JSON.stringify(latest)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const ofType = (events: readonly SeenEvent[], detailType: string): SeenEvent[] =>
  events.filter((event) => event.detailType === detailType);
