import { createCallback } from '../../functions/callback/callback.js';
import { createGetter, type GetterOptions } from '../../functions/getter/getter.js';
import { startApiServer } from '../../infra/local/api-server.js';
import type { LocalDynamo } from '../../infra/local/dynamo.js';
import { startTestbed, type Testbed } from './testbed.js';

export interface ApiTestbed extends Testbed {
  /** The API on loopback, as the local runtime serves it. */
  readonly apiUrl: string;
  readonly getter: ReturnType<typeof createGetter>;
  readonly callback: ReturnType<typeof createCallback>;
}

/** The token service behind the getter and callback routes, on loopback. */
export async function startApiTestbed(
  backend: LocalDynamo,
  options: Parameters<typeof startTestbed>[1] & { getter?: GetterOptions } = {},
): Promise<ApiTestbed> {
  const bed = await startTestbed(backend, options);
  const getter = createGetter(() => bed.service, bed.logger, options.getter);
  const callback = createCallback(() => bed.pushes, bed.logger);
  const api = await startApiServer({ getter, callback });
  bed.simulator.callbackUrl = `${api.url}/wechat/callback`;
  return {
    ...bed,
    apiUrl: api.url,
    getter,
    callback,
    async close() {
      await api.close();
      await bed.close();
    },
  };
}
