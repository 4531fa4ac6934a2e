import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret, ticket or token. It prints as `[redacted]` everywhere a value can leak by accident
 * (template strings, JSON.stringify, console.log / util.inspect, structured loggers), so that the only
 * way to get the value is to ask for it by name with `reveal()` at the one place that sends it.
 */
export class Sensitive {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** True when both hold the same value; compares without revealing it to the caller. */
  equals(other: Sensitive): boolean {
    return this.#value === other.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export function sensitive(value: string): Sensitive {
  return new Sensitive(value);
}

/**
 * Replaces every occurrence of the given secrets in a text that is about to become an error message or
 * a log line. WeChat's `errmsg` and the transport's messages are outside our control, so they pass
 * through here before they are kept.
 */
export function redact(text: string, secrets: readonly Sensitive[]): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret.reveal();
    // Short values would redact ordinary words; nothing WeChat issues is shorter than this. Only the raw
    // value is searched for: the one value sent in a URL, the access token, is of an alphabet
    // (letters, digits, '_', '-') that URL encoding leaves as it is.
    if (value.length >= 6) out = out.split(value).join(REDACTED);
  }
  return out;
}
