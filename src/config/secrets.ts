import { redactSecrets } from '../errors.js';

/** The mask shown in place of a secret. */
export const SECRET_MASK = '***';

/** Keys whose values are secrets wherever they appear: passwords, tokens, webhook URLs, API keys. */
export function isSecretKey(key: string): boolean {
  return /password|passwd|token|secret|webhook_url|api_?key|credential/i.test(key);
}

/** HTTP headers that carry credentials: Authorization, Cookie, X-…-Token, API keys. */
export function isSecretHeader(name: string): boolean {
  return /^(proxy-)?authorization$|cookie|token|secret|api-?key|^x-auth/i.test(name);
}

/**
 * Every string under a secret-named key, at any depth of `value`, for redaction.
 * Non-string leaves (a numeric password) are returned as their text.
 */
export function collectSecretValues(value: unknown, underSecretKey = false): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => collectSecretValues(item, underSecretKey));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => collectSecretValues(child, underSecretKey || isSecretKey(key)));
  }
  if (!underSecretKey || value === null || value === undefined) return [];
  const text = String(value);
  return text === '' ? [] : [text];
}

/**
 * A deep copy of `value` with every leaf under a secret-named key masked, and every occurrence of a
 * known secret inside other strings redacted.
 */
export function maskSecretValues(value: unknown, knownSecrets: ReadonlySet<string>, underSecretKey = false): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSecretValues(item, knownSecrets, underSecretKey));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, maskSecretValues(child, knownSecrets, underSecretKey || isSecretKey(key))]),
    );
  }
  if (value === null || value === undefined) return value;
  if (underSecretKey) return SECRET_MASK;
  return typeof value === 'string' ? redactSecrets(value, [...knownSecrets]) : value;
}

/** A password in the URL's user-info (`https://user:pass@host`), as written and decoded. */
export function urlPasswords(url: string): string[] {
  const password = URL.canParse(url) ? new URL(url).password : '';
  if (password === '') return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}
