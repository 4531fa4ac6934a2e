import { afterEach } from 'vitest';
import { WechatSimulator, type WechatSimulatorOptions } from '../../simulator/index.js';

/** Simulators a test starts, each closed after the test: `simulatorWith(options)` starts one. */
export function useSimulators(): (options?: WechatSimulatorOptions) => Promise<WechatSimulator> {
  const started: WechatSimulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((simulator) => simulator.close()));
  });
  return async (options = {}) => {
    const simulator = await WechatSimulator.start(options);
    started.push(simulator);
    return simulator;
  };
}

/** A raw call, for what the typed client never sends. */
export async function raw(
  simulator: WechatSimulator,
  path: string,
  init: RequestInit = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(`${simulator.url}${path}`, init);
  return (await response.json()) as Record<string, unknown>;
}
