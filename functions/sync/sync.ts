import * as z from 'zod/mini';
import type { TokenService } from '../../shared/service.js';
import type { SyncSummary } from '../../shared/sync/index.js';
import { EventError } from '../common/errors.js';

export class SyncEventError extends EventError {
  constructor() {
    super('expected an EventBridge Scheduled Event, or {"sync": true} for a manual run');
  }
}

const scheduled = z.object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') });
const manual = z.object({ sync: z.literal(true) });

/** The sync function, its service given: the Lambda entry and the tests build it alike. */
export function createSync(service: () => TokenService): (event: unknown) => Promise<SyncSummary> {
  return async (event) => {
    if (!scheduled.safeParse(event).success && !manual.safeParse(event).success) throw new SyncEventError();
    return service().sync();
  };
}
