import { ApiError } from '@bulwark/platform';
import type { Request } from 'express';

/** Graph's metadata document: `@odata.context` names the entity set after the `#`. */
export const GRAPH_METADATA = 'https://graph.microsoft.com/v1.0/$metadata';

/** Where a page ends: the sort key of its last row, handed back to the client as an opaque `$skiptoken`. */
export type PageCursor = { at: string; id: string };

export type PageRequest = { top: number; after: PageCursor | null };

const queryError = (message: string) => new ApiError(400, 'badRequest', message);

/**
 * Reads `$top` and `$skiptoken`. Any other OData option is refused rather than ignored: a client that sends
 * `$filter` and silently gets the unfiltered log would draw wrong conclusions from it.
 */
export function pageRequest(query: Record<string, unknown>, limits: { defaultTop: number; maxTop: number }): PageRequest {
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw queryError(`the query option ${name} is given more than once`);
    if (name.startsWith('$') && name !== '$top' && name !== '$skiptoken') {
      throw queryError(`the query option ${name} is not supported on this resource yet; supported: $top, $skiptoken`);
    }
  }
  const top = query.$top;
  if (top !== undefined && (typeof top !== 'string' || !/^\d{1,7}$/.test(top) || +top < 1 || +top > limits.maxTop)) {
    throw queryError(`$top must be a whole number from 1 to ${limits.maxTop}`);
  }
  const token = query.$skiptoken;
  return {
    top: top === undefined ? limits.defaultTop : Number(top),
    after: token === undefined ? null : decodeSkipToken(token),
  };
}

export function encodeSkipToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

function decodeSkipToken(token: unknown): PageCursor {
  const invalid = queryError('$skiptoken is not a token this service issued: follow @odata.nextLink as given');
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{1,1000}$/.test(token)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid;
  const [at, id] = parsed as unknown[];
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || id.length < 1 || id.length > 200) throw invalid;
  return { at, id };
}

/** The same request with the next page's `$skiptoken`, as an absolute URL the client follows verbatim. */
export function nextLinkOf(request: Request, cursor: PageCursor): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : request.protocol;
  const host = typeof request.headers.host === 'string' && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(request.headers.host) ? request.headers.host : 'localhost';
  const options = Object.entries(request.query as Record<string, string>)
    .filter(([name]) => name !== '$skiptoken')
    .map(([name, value]) => `${name.startsWith('$') ? name : encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  options.push(`$skiptoken=${encodeSkipToken(cursor)}`);
  return `${protocol}://${host}${request.path}?${options.join('&')}`;
}

/** A page of a Graph collection: `@odata.context`, `@odata.nextLink` while more rows follow, and `value`. */
export function graphPage<T>(entitySet: string, value: T[], nextLink: string | null) {
  return { '@odata.context': `${GRAPH_METADATA}#${entitySet}`, ...(nextLink ? { '@odata.nextLink': nextLink } : {}), value };
}
