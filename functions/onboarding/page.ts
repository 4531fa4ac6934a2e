import { createHash } from 'node:crypto';
import type { Sensitive } from '../../shared/sensitive.js';
import type { HttpResponse } from '../common/http.js';

/**
 * The onboarding's public HTML: the authorize page and the one refusal page. Both are answered with
 * headers that keep them out of every cache (each authorize page holds a fresh single-use pre-auth code),
 * out of frames, and scripts to the one inline script whose hash the CSP names.
 */

/**
 * The page's whole script: it follows the link the page shows (so that a browser without JavaScript
 * still has the button). Constant, so that its hash can be the CSP's only script source.
 */
const SCRIPT = "location.replace(document.getElementById('authorize').href);";
const SCRIPT_HASH = createHash('sha256').update(SCRIPT, 'utf8').digest('base64');

const STYLE = 'body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:32rem;padding:0 1rem;line-height:1.5}';
const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

const COMMON_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/**
 * The authorize page. `Referrer-Policy: origin`: WeChat refuses the link unless the page that opens it is
 * on the platform's registered domain, which it reads from the Referer; `origin` sends the hub's origin
 * and nothing of the page's URL (the session id stays with the browser), even to a plain-http simulator.
 */
export function authorizePage(link: Sensitive): HttpResponse {
  const href = escapeHtml(link.reveal());
  return {
    statusCode: 200,
    headers: {
      ...COMMON_HEADERS,
      'referrer-policy': 'origin',
      'content-security-policy': `default-src 'none'; script-src 'sha256-${SCRIPT_HASH}'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
    body: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="origin">
<title>Authorize on WeChat</title>
<style>${STYLE}</style>
</head>
<body>
<p>Taking you to WeChat to authorize the platform…</p>
<p><a id="authorize" href="${href}">Continue to WeChat</a></p>
<script>${SCRIPT}</script>
</body>
</html>
`,
  };
}

/**
 * The one answer to every refused page (unknown, expired or completed session, a code spent or of
 * another session): the same status, headers and text, so that the page is no oracle of which sessions
 * exist. What was refused is in the log.
 */
export function refusedPage(): HttpResponse {
  return htmlText(400, 'This authorization link cannot be used. Ask for a new one.');
}

/**
 * WeChat's redirect whose code is spent while the session is not completed yet: the authorization went
 * through (a lost answer, or the push exchanged the code first) and the push of the same authorization
 * completes the session. Not a refusal: a reload in a moment lands on `return_url` once it has.
 */
export function pendingPage(): HttpResponse {
  return htmlText(
    202,
    'Your authorization is being completed. Reload this page in a moment to return to the platform.',
  );
}

/** A failure on our side (DynamoDB, WeChat): asking again may help. */
export function failedPage(): HttpResponse {
  return htmlText(500, 'Something went wrong on our side. Please try again in a moment.');
}

function htmlText(statusCode: number, text: string): HttpResponse {
  return {
    statusCode,
    headers: {
      ...COMMON_HEADERS,
      'referrer-policy': 'no-referrer',
      'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
    body: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorization</title>
<style>${STYLE}</style>
</head>
<body>
<p>${text}</p>
</body>
</html>
`,
  };
}

/** The browser sent on to `location` (WeChat's redirect, answered), never caching it or leaking the URL. */
export function redirectTo(location: string): HttpResponse {
  return {
    statusCode: 302,
    headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
    body: '',
  };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );
}
