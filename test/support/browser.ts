/**
 * A browser without JavaScript, over plain HTTP: it opens a URL, reads a link or a form off the HTML,
 * follows a redirect only when the test says so, and sends the Referer a browser would (the page's
 * Referrer-Policy applied to a navigation from it). Enough to walk WeChat's authorization flow through
 * the hub's page and the simulator's, each step visible to the test.
 */

export interface Page {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** The Referer that was sent for this page, if any. */
  readonly sentReferer: string | undefined;
}

export class BrowserError extends Error {
  override readonly name = 'BrowserError';
}

/** Opens `url` as a navigation: no redirect followed (see `follow`). */
export async function open(url: string, options: { referer?: string | undefined } = {}): Promise<Page> {
  const response = await fetch(url, {
    redirect: 'manual',
    headers: { accept: 'text/html', ...(options.referer === undefined ? {} : { referer: options.referer }) },
  });
  return {
    url,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
    sentReferer: options.referer,
  };
}

/** Where a 3xx answer sends the browser, resolved against the page's URL. */
export function redirectTarget(page: Page): string {
  const location = page.headers.get('location');
  if (page.status < 300 || page.status > 399 || location === null)
    throw new BrowserError(`${page.url} answered ${page.status}, not a redirect: ${page.body.slice(0, 300)}`);
  return new URL(location, page.url).href;
}

/** Follows the redirect of a 3xx page, with the Referer a browser keeps across a redirect (the original one). */
export async function follow(page: Page): Promise<Page> {
  return open(redirectTarget(page), { referer: page.sentReferer });
}

/** The `href` of the element `<a id="…">`, resolved against the page. */
export function linkById(page: Page, id: string): string {
  for (const tag of page.body.matchAll(/<a\b[^>]*>/gi)) {
    const attributes = readAttributes(tag[0]);
    if (attributes.get('id') === id) {
      const href = attributes.get('href');
      if (href === undefined) throw new BrowserError(`<a id="${id}"> of ${page.url} has no href`);
      return new URL(href, page.url).href;
    }
  }
  throw new BrowserError(`${page.url} has no <a id="${id}">: ${page.body.slice(0, 500)}`);
}

/** Clicks the link `<a id="…">`: opens it with the Referer the page's policy lets through. */
export async function click(page: Page, id: string): Promise<Page> {
  const target = linkById(page, id);
  return open(target, { referer: refererFrom(page, target) });
}

/**
 * The Referer of a navigation from `page` to `target` under the page's `Referrer-Policy` header
 * (the browsers' default, strict-origin-when-cross-origin, when it has none).
 */
export function refererFrom(page: Page, target: string): string | undefined {
  const from = new URL(page.url);
  from.hash = '';
  const to = new URL(target);
  const policies = (page.headers.get('referrer-policy') ?? '')
    .split(',')
    .map((policy) => policy.trim().toLowerCase())
    .filter((policy) => policy !== '');
  // The last policy a browser knows wins.
  const policy = policies.at(-1) ?? 'strict-origin-when-cross-origin';
  const sameOrigin = from.origin === to.origin;
  const downgrade = from.protocol === 'https:' && to.protocol !== 'https:';
  const origin = `${from.origin}/`;
  switch (policy) {
    case 'no-referrer':
      return undefined;
    case 'origin':
      return origin;
    case 'strict-origin':
      return downgrade ? undefined : origin;
    case 'same-origin':
      return sameOrigin ? from.href : undefined;
    case 'origin-when-cross-origin':
      return sameOrigin ? from.href : origin;
    case 'unsafe-url':
      return from.href;
    case 'no-referrer-when-downgrade':
      return downgrade ? undefined : from.href;
    default:
      return sameOrigin ? from.href : downgrade ? undefined : origin;
  }
}

export interface Form {
  readonly method: string;
  readonly action: string;
  readonly fields: ReadonlyMap<string, string>;
}

/** The page's form (the first whose own attributes `choose` accepts, when given), with its fields' values as sent. */
export function readForm(page: Page, choose?: (attributes: ReadonlyMap<string, string>) => boolean): Form {
  const forms = [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((match) => {
    const attributes = readAttributes(`<form ${match[1] ?? ''}>`);
    return {
      attributes,
      method: (attributes.get('method') ?? 'GET').toUpperCase(),
      action: new URL(attributes.get('action') ?? page.url, page.url).href,
      fields: readFields(match[2] ?? ''),
    };
  });
  const form = forms.find((candidate) => choose === undefined || choose(candidate.attributes));
  if (!form) throw new BrowserError(`${page.url} has no such form: ${page.body.slice(0, 500)}`);
  return { method: form.method, action: form.action, fields: form.fields };
}

/** Submits a form as a browser does (urlencoded), with fields changed or added; no redirect followed. */
export async function submit(page: Page, form: Form, changes: Readonly<Record<string, string>> = {}): Promise<Page> {
  const fields = new URLSearchParams([...form.fields]);
  for (const [name, value] of Object.entries(changes)) fields.set(name, value);
  const referer = refererFrom(page, form.action);
  if (form.method === 'GET') {
    const target = new URL(form.action);
    target.search = fields.toString();
    return open(target.href, { referer });
  }
  const response = await fetch(form.action, {
    method: form.method,
    redirect: 'manual',
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      ...(referer === undefined ? {} : { referer }),
    },
    body: fields.toString(),
  });
  return {
    url: form.action,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
    sentReferer: referer,
  };
}

/** The successful controls of a form: inputs (checked ones of checkboxes and radios), selects' selected options, textareas. */
function readFields(html: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const tag of html.matchAll(/<input\b[^>]*>/gi)) {
    const attributes = readAttributes(tag[0]);
    const name = attributes.get('name');
    const type = (attributes.get('type') ?? 'text').toLowerCase();
    if (name === undefined || attributes.has('disabled')) continue;
    if (['submit', 'button', 'reset', 'image', 'file'].includes(type)) continue;
    if ((type === 'checkbox' || type === 'radio') && !attributes.has('checked')) continue;
    fields.set(name, attributes.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : ''));
  }
  for (const select of html.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
    const name = readAttributes(`<select ${select[1] ?? ''}>`).get('name');
    if (name === undefined) continue;
    const options = [...(select[2] ?? '').matchAll(/<option\b([^>]*)>([^<]*)/gi)].map((option) => {
      const attributes = readAttributes(`<option ${option[1] ?? ''}>`);
      return {
        value: attributes.get('value') ?? decodeEntities((option[2] ?? '').trim()),
        selected: attributes.has('selected'),
      };
    });
    const chosen = options.find((option) => option.selected) ?? options[0];
    if (chosen) fields.set(name, chosen.value);
  }
  for (const area of html.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
    const name = readAttributes(`<textarea ${area[1] ?? ''}>`).get('name');
    if (name !== undefined) fields.set(name, decodeEntities(area[2] ?? ''));
  }
  return fields;
}

/** A start tag's attributes, names lower-cased, values with their character references decoded. */
function readAttributes(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const inner = tag.replace(/^<\w+/, '').replace(/\/?>$/, '');
  for (const match of inner.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!attributes.has(name)) attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, reference: string) => {
    if (reference.startsWith('#x') || reference.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(reference.slice(2), 16));
    if (reference.startsWith('#')) return String.fromCodePoint(Number.parseInt(reference.slice(1), 10));
    return NAMED[reference.toLowerCase()] ?? whole;
  });
}
