import { LocalStartError } from './errors.js';

/**
 * The local servers are optional peers of the package (most consumers never run the hub locally), so
 * they are loaded when first needed, and a missing one is named with the command that installs it.
 */
export async function optionalPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new LocalStartError(
      'missing_package',
      `the local hub needs the package ${name}: npm install --save-dev ${name}`,
      {
        cause: error,
      },
    );
  }
}
