import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** The `WWW-Authenticate` challenge every 401 carries. */
export const BEARER_CHALLENGE = 'Bearer realm="slo-ledger"';

/** The token of `Authorization: Bearer <token>`; undefined when the header is absent or another scheme. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/**
 * A set of named bearer tokens, matched in constant time: the given token is hashed and compared
 * with the digest of every token, with no early exit, so neither which token matched nor any
 * token's length shows in the time an answer takes.
 */
export class NamedTokens {
  private readonly digests: ReadonlyArray<{ name: string; digest: Buffer }>;

  /** `tokens`: name and token pairs (pairs, not an object, so no name can hide another). */
  constructor(tokens: ReadonlyArray<readonly [name: string, token: string]>) {
    this.digests = tokens.map(([name, token]) => ({ name, digest: sha256(token) }));
  }

  /** True when there are no tokens at all. */
  get empty(): boolean {
    return this.digests.length === 0;
  }

  /** The name of the token `given` is; undefined when it is none of them (or not given). */
  nameOf(given: string | undefined): string | undefined {
    const digest = sha256(given ?? '');
    let found: string | undefined;
    for (const entry of this.digests) {
      // Every entry is compared, even after a match.
      if (timingSafeEqual(digest, entry.digest) && given !== undefined) found ??= entry.name;
    }
    return found;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
