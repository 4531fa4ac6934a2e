import type { Endpoint } from './endpoints.js';
import type { SeededRandom } from './random.js';

export interface FaultSettings {
  /** Share of calls (0..1) answered -1 "system error" before anything is done. */
  readonly systemErrorRate: number;
  /** Share of calls (0..1) whose connection is dropped, unanswered, before anything is done. */
  readonly dropRate: number;
  /** Added latency per call, fixed or uniform in a range (real milliseconds). */
  readonly latencyMs: number | { readonly min: number; readonly max: number };
  /** Calls a simulated day (UTC+8, as WeChat counts) per endpoint before 45009. */
  readonly dailyQuota: Readonly<Partial<Record<Endpoint, number>>>;
  /** The endpoints the rates and latency apply to; all when omitted. */
  readonly endpoints?: readonly Endpoint[] | undefined;
}

const NO_FAULTS: FaultSettings = { systemErrorRate: 0, dropRate: 0, latencyMs: 0, dailyQuota: {} };

/** A raw HTTP answer, for what a broken WeChat or a proxy in front of it might send. */
export interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

type Scripted =
  | { readonly kind: 'errcode'; readonly errcode: number }
  | { readonly kind: 'drop'; readonly afterProcessing: boolean }
  | { readonly kind: 'raw'; readonly answer: RawAnswer }
  | { readonly kind: 'delay'; readonly ms: number };

/** What to do to one call, decided when it arrives. */
export interface FaultDecision {
  readonly latencyMs: number;
  /** Answer this errcode instead of processing the call. */
  readonly errcode?: number;
  /** Answer exactly this instead of processing the call. */
  readonly raw?: RawAnswer;
  /** Drop the connection before processing the call. */
  readonly dropBefore: boolean;
  /** Process the call (its effects happen), then drop the connection unanswered. */
  readonly dropAfter: boolean;
}

const DAY_MS = 86_400_000;
const UTC_PLUS_8_MS = 8 * 3_600_000;

/**
 * Fault injection: steady rates (seeded, so a run repeats), scripted faults for the next N calls to an
 * endpoint (exact, for tests), and daily quotas.
 */
export class Faults {
  #settings: FaultSettings = NO_FAULTS;
  readonly #scripted = new Map<Endpoint, Scripted[]>();
  readonly #quotaUse = new Map<string, number>();

  constructor(private readonly random: SeededRandom) {}

  /** Replaces the steady settings (fields not given are off). */
  set(settings: Partial<FaultSettings>): void {
    const merged = { ...NO_FAULTS, ...settings };
    for (const rate of [merged.systemErrorRate, merged.dropRate]) {
      if (!(rate >= 0 && rate <= 1)) throw new RangeError('fault rates are between 0 and 1');
    }
    const latency = merged.latencyMs;
    const [min, max] = typeof latency === 'number' ? [latency, latency] : [latency.min, latency.max];
    if (!(min >= 0 && max >= min)) throw new RangeError('latency must be ≥ 0, with min ≤ max');
    this.#settings = merged;
  }

  /** Removes every fault: settings, scripted faults and quota use. */
  clear(): void {
    this.#settings = NO_FAULTS;
    this.#scripted.clear();
    this.#quotaUse.clear();
  }

  /** The next `times` calls to `endpoint` are answered `errcode` (-1, 45009, 40001, …) unprocessed. */
  failNext(endpoint: Endpoint, errcode: number, times = 1): void {
    this.#script(endpoint, { kind: 'errcode', errcode }, times);
  }

  /**
   * The next `times` calls to `endpoint` lose their connection. With `afterProcessing`, WeChat has done
   * the work (a token was renewed) but the caller never hears of it.
   */
  dropNext(endpoint: Endpoint, options: { afterProcessing?: boolean; times?: number } = {}): void {
    this.#script(endpoint, { kind: 'drop', afterProcessing: options.afterProcessing ?? false }, options.times ?? 1);
  }

  /**
   * The next call to `endpoint` waits `ms` before it is processed, as a request stuck in a queue: a
   * client that times out and retries may see its retry processed first, and the stuck one after.
   */
  delayNext(endpoint: Endpoint, ms: number): void {
    this.#script(endpoint, { kind: 'delay', ms }, 1);
  }

  /** The next `times` calls to `endpoint` get this raw answer (HTML, truncated JSON, a 502, …). */
  answerNext(endpoint: Endpoint, answer: RawAnswer, times = 1): void {
    this.#script(endpoint, { kind: 'raw', answer }, times);
  }

  decide(endpoint: Endpoint): FaultDecision {
    const scripted = this.#scripted.get(endpoint)?.shift();
    const steady = this.#appliesTo(endpoint);
    const latencyMs = steady ? this.#latency() : 0;
    if (scripted?.kind === 'errcode')
      return { latencyMs, errcode: scripted.errcode, dropBefore: false, dropAfter: false };
    if (scripted?.kind === 'delay') return { latencyMs: latencyMs + scripted.ms, dropBefore: false, dropAfter: false };
    if (scripted?.kind === 'raw') return { latencyMs, raw: scripted.answer, dropBefore: false, dropAfter: false };
    if (scripted?.kind === 'drop')
      return { latencyMs, dropBefore: !scripted.afterProcessing, dropAfter: scripted.afterProcessing };
    if (steady && this.#settings.dropRate > 0 && this.random.next() < this.#settings.dropRate) {
      return { latencyMs, dropBefore: true, dropAfter: false };
    }
    if (steady && this.#settings.systemErrorRate > 0 && this.random.next() < this.#settings.systemErrorRate) {
      return { latencyMs, errcode: -1, dropBefore: false, dropAfter: false };
    }
    return { latencyMs, dropBefore: false, dropAfter: false };
  }

  /** Counts one call against the endpoint's daily quota; true when the quota was already spent. */
  spendQuota(endpoint: Endpoint, now: number): boolean {
    const quota = this.#settings.dailyQuota[endpoint];
    if (quota === undefined) return false;
    const key = `${endpoint}:${Math.floor((now + UTC_PLUS_8_MS) / DAY_MS)}`;
    const used = this.#quotaUse.get(key) ?? 0;
    if (used >= quota) return true;
    this.#quotaUse.set(key, used + 1);
    return false;
  }

  #script(endpoint: Endpoint, fault: Scripted, times: number): void {
    const queue = this.#scripted.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.#scripted.set(endpoint, queue);
  }

  #appliesTo(endpoint: Endpoint): boolean {
    return this.#settings.endpoints === undefined || this.#settings.endpoints.includes(endpoint);
  }

  #latency(): number {
    const latency = this.#settings.latencyMs;
    if (typeof latency === 'number') return latency;
    return latency.min + this.random.next() * (latency.max - latency.min);
  }
}
