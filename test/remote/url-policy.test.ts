import { describe, expect, it } from 'vitest';
import { assertAllowedUrl } from '../../src/backends/remote/url-policy.ts';

const PAGE = 'https://disk.example.org';

/** Expects `run` to throw a QedBackingError. */
function expectRefused(run: () => unknown): void {
  expect(run).toThrow(expect.objectContaining({ name: 'QedBackingError' }));
}

describe('assertAllowedUrl', () => {
  it('accepts a URL on the page origin and returns it absolute', () => {
    expect(assertAllowedUrl('https://disk.example.org/images/base.img', PAGE)).toBe('https://disk.example.org/images/base.img');
  });

  it('resolves a relative name against the page origin', () => {
    expect(assertAllowedUrl('/images/base.img', PAGE)).toBe('https://disk.example.org/images/base.img');
    expect(assertAllowedUrl('base.img', `${PAGE}/`)).toBe('https://disk.example.org/base.img');
  });

  it('refuses another origin unless it is allowlisted', () => {
    expectRefused(() => assertAllowedUrl('https://evil.example.com/base.img', PAGE));
    expectRefused(() => assertAllowedUrl('https://disk.example.org:8443/base.img', PAGE));
    expectRefused(() => assertAllowedUrl('http://disk.example.org/base.img', PAGE));
    expect(assertAllowedUrl('https://images.example.net/a/base.img', PAGE, ['https://images.example.net/'])).toBe('https://images.example.net/a/base.img');
  });

  it('refuses file:, data:, blob: and javascript: URLs, even when allowlisted', () => {
    for (const url of ['file:///etc/passwd', 'data:application/octet-stream;base64,AAAA', 'blob:https://disk.example.org/1234', 'javascript:alert(1)', 'ftp://disk.example.org/base.img']) {
      expectRefused(() => assertAllowedUrl(url, PAGE, [url]));
    }
  });

  it('refuses URLs that carry credentials', () => {
    expectRefused(() => assertAllowedUrl('https://user:secret@disk.example.org/base.img', PAGE));
  });

  it('refuses an unparsable URL or page origin', () => {
    expectRefused(() => assertAllowedUrl('https://', PAGE));
    expectRefused(() => assertAllowedUrl('/base.img', 'not an origin'));
    expectRefused(() => assertAllowedUrl('/base.img', PAGE, ['not an origin']));
  });
});
