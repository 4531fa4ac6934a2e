import { OnboardingConfigError } from './errors.js';

/**
 * Where an onboarding may send a browser back to (a session's `return_url`, a bare link's
 * `redirect_uri`): an origin and a path prefix per entry, from the deployment's settings. A URL is
 * allowed when its origin is an entry's exactly and its path is the entry's path or below it, segment by
 * segment (`/a` allows `/a` and `/a/b`, never `/ab`). Judged on the URL as the WHATWG parser reads it,
 * which is the URL the browser is then sent to (dot segments already removed, the host lower-cased and
 * in punycode), so what was checked is what is followed.
 */
export interface AllowedPrefix {
  readonly origin: string;
  /** Without a trailing `/` (the root is `''`): compared segment-wise. */
  readonly path: string;
}

/** The longest URL accepted: longer ones are no real return address, and WeChat caps its own links. */
export const MAX_URL_LENGTH = 2_048;

/** Hosts a plain-http URL may name: a developer's own machine (the local runtime, tests). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Escapes that some servers decode before routing (`%2F` as `/`, `%5C` as `\`, `%2E` as `.`), or that
 * a decoder may turn into something else (`%00` a NUL that ends the path, `%25` an escaped `%` decoded
 * twice, `%C0` and `%C1` overlong UTF-8 for `.` and `/`): a path allowed as written could then reach
 * another path on the same origin. Refused outright, anywhere in the path, in either case.
 */
const ESCAPED_SEPARATOR = /%(2f|5c|2e|00|25|c0|c1)/i;

/** The entries of the setting, each checked: one that is not an origin and a path is an operator's mistake. */
export function parseAllowList(urls: readonly string[]): readonly AllowedPrefix[] {
  return urls.map((text) => {
    const url = parseCandidate(text);
    if (url?.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#'))
      throw new OnboardingConfigError(
        `ONBOARDING_RETURN_URLS: each entry is an https URL (http only on loopback) with a path and no query, fragment or user name: ${JSON.stringify(text)}`,
      );
    return { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
  });
}

/** The URL as parsed when `text` is allowed by one of the entries, else `undefined`. */
export function allowedUrl(text: string, allowList: readonly AllowedPrefix[]): URL | undefined {
  const url = parseCandidate(text);
  if (!url) return undefined;
  const { pathname } = url;
  // `;` starts path parameters on some servers (Tomcat's `/a/..;/b` reaches `/b`).
  if (ESCAPED_SEPARATOR.test(pathname) || pathname.includes(';')) return undefined;
  const allowed = allowList.some(
    (entry) => entry.origin === url.origin && (pathname === entry.path || pathname.startsWith(`${entry.path}/`)),
  );
  return allowed ? url : undefined;
}

/**
 * `text` read as an absolute URL a browser can be sent to, or `undefined`: https (http only on
 * loopback), no user name or password, no control character, space or backslash anywhere (the
 * parser would silently drop or turn them into something else), at most `MAX_URL_LENGTH` characters.
 */
function parseCandidate(text: string): URL | undefined {
  if (text.length === 0 || text.length > MAX_URL_LENGTH) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(text) || !/^https?:\/\//i.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  // `https://@host/` parses with an empty user name: the raw authority is checked as well.
  if (url.username !== '' || url.password !== '' || authorityOf(text).includes('@')) return undefined;
  if (url.protocol === 'https:') return url;
  return url.protocol === 'http:' && LOOPBACK.has(url.hostname) ? url : undefined;
}

/** The authority of an absolute URL as written: after `scheme://`, up to the first `/`, `?` or `#`. */
function authorityOf(text: string): string {
  const rest = text.slice(text.indexOf('//') + 2);
  const end = rest.search(/[/?#]/);
  return end === -1 ? rest : rest.slice(0, end);
}
