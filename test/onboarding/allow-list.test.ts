import { describe, expect, it } from 'vitest';
import { allowedUrl, OnboardingConfigError, parseAllowList } from '../../shared/onboarding/index.js';

// The return_url / redirect_uri allow-list (shared/onboarding/allow-list.ts): an origin and a path
// prefix per entry, compared segment by segment, on the URL as a browser will follow it.

const list = parseAllowList([
  'https://platform.example.com/onboarded',
  'https://shop.example.com:8443/',
  'http://127.0.0.1:3000/local',
]);
const allowed = (url: string) => allowedUrl(url, list)?.href;

describe('the allow-list', () => {
  it('allows the entry path itself and below it, with a query or a fragment', () => {
    expect(allowed('https://platform.example.com/onboarded')).toBe('https://platform.example.com/onboarded');
    expect(allowed('https://platform.example.com/onboarded/')).toBeDefined();
    expect(allowed('https://platform.example.com/onboarded/done?x=1#top')).toBe(
      'https://platform.example.com/onboarded/done?x=1#top',
    );
    expect(allowed('https://shop.example.com:8443/anything/at/all')).toBeDefined();
    expect(allowed('http://127.0.0.1:3000/local/landing')).toBeDefined();
  });

  it('compares paths segment-wise: /onboarded does not allow /onboardedx or /onboarded-evil', () => {
    expect(allowed('https://platform.example.com/onboardedx')).toBeUndefined();
    expect(allowed('https://platform.example.com/onboarded-evil/x')).toBeUndefined();
    expect(allowed('https://platform.example.com/')).toBeUndefined();
    expect(allowed('https://platform.example.com/other')).toBeUndefined();
  });

  it('judges the URL as the browser will follow it: dot segments and %2e%2e are resolved first', () => {
    expect(allowed('https://platform.example.com/onboarded/../admin')).toBeUndefined();
    expect(allowed('https://platform.example.com/onboarded/%2e%2e/admin')).toBeUndefined();
    expect(allowed('https://platform.example.com/onboarded/./x')).toBe('https://platform.example.com/onboarded/x');
    expect(allowed('https://PLATFORM.example.com/onboarded')).toBe('https://platform.example.com/onboarded');
  });

  it('refuses escaped separators some servers decode before routing', () => {
    expect(allowed('https://platform.example.com/onboarded/..%2Fadmin')).toBeUndefined();
    expect(allowed('https://platform.example.com/onboarded/..%5cadmin')).toBeUndefined();
    expect(allowed('https://platform.example.com/onboarded/%2E%2E%2Fadmin')).toBeUndefined();
  });

  it('refuses path parameters (;) and %00, %25, %C0, %C1 anywhere in the path, in either case', () => {
    for (const path of [
      '/onboarded/..;/admin',
      '/onboarded;x',
      '/onboarded/x;jsessionid=1',
      '/onboarded/..%00/x',
      '/onboarded/%252e%252e/x',
      '/onboarded/%C0%AE%C0%AE/x',
      '/onboarded/%c0%ae',
      '/onboarded/%C1%9C',
      '/onboarded/%c1',
      '/onboarded/x%25',
    ])
      expect(allowed(`https://platform.example.com${path}`), path).toBeUndefined();
    // In the query or the fragment they are the platform's own business.
    expect(allowed('https://platform.example.com/onboarded/done?a=1;b=%25#x;%00')).toBeDefined();
  });

  it('requires the origin exactly: scheme, host and port', () => {
    expect(allowed('http://platform.example.com/onboarded')).toBeUndefined();
    expect(allowed('https://platform.example.com:444/onboarded')).toBeUndefined();
    expect(allowed('https://platform.example.com:443/onboarded')).toBeDefined();
    expect(allowed('https://evil.platform.example.com/onboarded')).toBeUndefined();
    expect(allowed('https://platform.example.com.evil.com/onboarded')).toBeUndefined();
    expect(allowed('https://shop.example.com/')).toBeUndefined();
    expect(allowed('http://localhost:3000/local')).toBeUndefined();
  });

  it('refuses user information, even empty, and the host hidden behind it', () => {
    expect(allowed('https://platform.example.com@evil.com/onboarded')).toBeUndefined();
    expect(allowed('https://user:pass@platform.example.com/onboarded')).toBeUndefined();
    expect(allowed('https://@platform.example.com/onboarded')).toBeUndefined();
    expect(allowed('https://:@platform.example.com/onboarded')).toBeUndefined();
  });

  it('refuses other schemes, relative and protocol-relative URLs, backslashes, spaces and control characters', () => {
    for (const url of [
      'javascript:alert(1)//https://platform.example.com/onboarded',
      'JAVASCRIPT:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      '//platform.example.com/onboarded',
      '/onboarded',
      'https:platform.example.com/onboarded',
      'https:/platform.example.com/onboarded',
      'https://platform.example.com\\@evil.com/onboarded',
      'https://evil.com\\platform.example.com/onboarded',
      'https://platform.example.com/onboarded\n',
      ' https://platform.example.com/onboarded',
      'https://platform.example.com/onboa\trded',
      'https://platform.example.com/onboarded/\u0000',
      '',
      `https://platform.example.com/onboarded/${'a'.repeat(2_100)}`,
    ])
      expect(allowed(url), url).toBeUndefined();
  });

  it('allows plain http on loopback only, and only as listed', () => {
    expect(() => parseAllowList(['http://platform.example.com/x'])).toThrow(OnboardingConfigError);
    expect(parseAllowList(['http://localhost:8080/x'])).toEqual([{ origin: 'http://localhost:8080', path: '/x' }]);
  });

  it('refuses an entry with a query, a fragment or a user name (an operator mistake)', () => {
    for (const entry of ['https://a.example/x?y=1', 'https://a.example/x#y', 'https://u@a.example/x', 'not a url'])
      expect(() => parseAllowList([entry]), entry).toThrow(OnboardingConfigError);
  });

  it('an empty list allows nothing', () => {
    expect(allowedUrl('https://platform.example.com/onboarded', [])).toBeUndefined();
  });
});
