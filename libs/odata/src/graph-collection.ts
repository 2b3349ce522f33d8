import type Database from 'better-sqlite3';
import { compileFilter, SqlValue } from './filter-compiler';
import { FilterNode, parseFilter } from './filter-parser';
import { ODataQueryError } from './odata-error';
import { GraphResource, SortKey } from './resource';
import { Cursor, SkipTokens } from './skip-token';

/** Graph's metadata document: `@odata.context` names the entity set after the `#`. */
export const GRAPH_METADATA = 'https://graph.microsoft.com/v1.0/$metadata';

/** The request as far as a collection query reads it. */
export type CollectionRequest = {
  query: Record<string, unknown>;
  /** the path without the query, e.g. /v1.0/auditLogs/signIns */
  path: string;
  protocol: string;
  headers: Record<string, string | string[] | undefined>;
};

export type QueryOptions = {
  filter: FilterNode | null;
  filterText: string | null;
  top: number;
  skip: number;
  select: string[] | null;
  count: boolean;
  order: { property: string; key: SortKey; direction: 'asc' | 'desc' };
  after: Cursor | null;
  scope: string;
};

const SUPPORTED = ['$filter', '$top', '$skip', '$select', '$orderby', '$count', '$skiptoken'];

/** Reads and checks the OData options of a request for a resource: anything the resource cannot do is refused, not ignored. */
export function queryOptions(query: Record<string, unknown>, resource: GraphResource, tokens: SkipTokens): QueryOptions {
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw new ODataQueryError(`the query option ${name} is given more than once`);
    if (typeof value !== 'string') throw new ODataQueryError(`the query option ${name} is malformed`);
    if (name.startsWith('$') && !SUPPORTED.includes(name)) {
      throw new ODataQueryError(`the query option ${name} is not supported on ${resource.entitySet}; supported: ${supportedOn(resource).join(', ')}`);
    }
  }
  const text = (name: string) => query[name] as string | undefined;

  const filterText = text('$filter') ?? null;
  const filter = filterText === null ? null : parseFilter(filterText);
  // compiled once here so a bad filter is refused before anything runs
  if (filter) compileFilter(filter, resource);

  const topText = text('$top');
  if (topText !== undefined && (!/^\d{1,9}$/.test(topText) || +topText < 1 || +topText > resource.top.max)) {
    throw new ODataQueryError(`$top must be a whole number from 1 to ${resource.top.max}`);
  }
  const skipText = text('$skip');
  if (skipText !== undefined) {
    if (!resource.skip) throw new ODataQueryError(`$skip is not supported on ${resource.entitySet}: follow @odata.nextLink`);
    if (!/^\d{1,9}$/.test(skipText)) throw new ODataQueryError('$skip must be a whole number from 0');
  }

  const select = selectOf(text('$select'), resource);
  const countText = text('$count');
  if (countText !== undefined) {
    if (!resource.countable) throw new ODataQueryError(`$count is not supported on ${resource.entitySet}`);
    if (countText !== 'true' && countText !== 'false') throw new ODataQueryError('$count is true or false');
  }

  const order = orderOf(text('$orderby'), resource);
  const scope = SkipTokens.scopeOf(resource.entitySet, filterText ?? '', order.property, order.direction);
  const token = text('$skiptoken');
  return {
    filter,
    filterText,
    top: topText === undefined ? resource.top.default : Number(topText),
    skip: skipText === undefined || token !== undefined ? 0 : Number(skipText),
    select,
    count: countText === 'true',
    order,
    after: token === undefined ? null : tokens.decode(token, scope),
    scope,
  };
}

function supportedOn(resource: GraphResource): string[] {
  return SUPPORTED.filter(
    (name) => !(name === '$skip' && !resource.skip) && !(name === '$count' && !resource.countable) && !(name === '$orderby' && !Object.keys(resource.sortable).length),
  );
}

function selectOf(text: string | undefined, resource: GraphResource): string[] | null {
  if (text === undefined) return null;
  const names = text.split(',').map((name) => name.trim());
  if (!names.length || names.some((name) => !name)) throw new ODataQueryError('$select is a comma-separated list of property names');
  for (const name of names) {
    if (name === '*') continue;
    if (!resource.selectable.includes(name)) {
      const alike = resource.selectable.find((known) => known.toLowerCase() === name.toLowerCase());
      throw new ODataQueryError(
        name.includes('/')
          ? `$select: ${name}: select the whole property ${name.split('/')[0]}`
          : alike
            ? `$select: unknown property ${name}; did you mean ${alike}?`
            : `$select: ${resource.entitySet} has no property ${name}`,
      );
    }
  }
  return names.includes('*') ? null : [...new Set(names)];
}

function orderOf(text: string | undefined, resource: GraphResource): QueryOptions['order'] {
  if (text === undefined) return resource.defaultOrder;
  const sortable = Object.keys(resource.sortable);
  if (!sortable.length) throw new ODataQueryError(`$orderby is not supported on ${resource.entitySet}`);
  const clauses = text.split(',');
  if (clauses.length > 1) throw new ODataQueryError(`$orderby sorts by one property on ${resource.entitySet}`);
  const match = /^\s*([A-Za-z_][A-Za-z0-9_/]*)(?:\s+(asc|desc))?\s*$/i.exec(clauses[0]!);
  if (!match) throw new ODataQueryError('$orderby is a property name, then optionally asc or desc');
  const property = match[1]!;
  if (!Object.hasOwn(resource.sortable, property)) throw new ODataQueryError(`$orderby: ${resource.entitySet} can be sorted by ${sortable.join(', ')} only`);
  return { property, key: resource.sortable[property]!, direction: (match[2]?.toLowerCase() as 'asc' | 'desc' | undefined) ?? 'asc' };
}

export type CollectionPage<Row> = { rows: Row[]; count: number | null; next: Cursor | null };

/**
 * One page of the collection, by keyset: rows after the cursor in (sort, key) order. Rows that arrive meanwhile
 * neither repeat nor shift the pages already handed out.
 */
export function queryCollection<Row>(db: Database.Database, resource: GraphResource, options: QueryOptions): CollectionPage<Row> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (options.filter) {
    const compiled = compileFilter(options.filter, resource);
    where.push(compiled.sql);
    params.push(...compiled.params);
  }
  const filterWhere = [...where];
  const filterParams = [...params];
  const { sql: sortSql } = options.order.key;
  const comparison = options.order.direction === 'desc' ? '<' : '>';
  if (options.after) {
    where.push(`((${sortSql}), ${resource.key}) ${comparison} (?, ?)`);
    params.push(options.after.sort, options.after.key);
  }
  const direction = options.order.direction.toUpperCase();
  const sql = `SELECT ${resource.columns}, (${sortSql}) AS odata_sort, ${resource.key} AS odata_key FROM ${resource.from}
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY (${sortSql}) ${direction}, ${resource.key} ${direction} LIMIT ? OFFSET ?`;
  // one row more than the page tells whether another page follows
  const rows = db.prepare(sql).all(...params, options.top + 1, options.skip) as Array<Row & { odata_sort: string | number; odata_key: string | number }>;
  const page = rows.slice(0, options.top);
  const last = page[page.length - 1];
  const count =
    options.count && !options.after
      ? (db.prepare(`SELECT COUNT(*) AS n FROM ${resource.from} ${filterWhere.length ? `WHERE ${filterWhere.join(' AND ')}` : ''}`).get(...filterParams) as { n: number }).n
      : null;
  return {
    rows: page.map(({ odata_sort: _sort, odata_key: _key, ...row }) => row as unknown as Row),
    count,
    next: rows.length > options.top && last ? { sort: last.odata_sort, key: last.odata_key } : null,
  };
}

/** `$select`: only the named properties, in the order the entity has them. */
export function selected<T extends Record<string, unknown>>(entity: T, select: string[] | null): Partial<T> {
  if (!select) return entity;
  return Object.fromEntries(Object.entries(entity).filter(([name]) => select.includes(name))) as Partial<T>;
}

/** The same request with the next page's `$skiptoken`, as an absolute URL built from the request's host. */
export function nextLinkOf(request: CollectionRequest, token: string): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : request.protocol;
  const hostHeader = request.headers['x-forwarded-host'] ?? request.headers.host;
  const host = typeof hostHeader === 'string' && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(hostHeader) ? hostHeader : 'localhost';
  const options = Object.entries(request.query as Record<string, string>)
    .filter(([name]) => name !== '$skiptoken' && name !== '$skip')
    .map(([name, value]) => `${name.startsWith('$') ? name : encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  options.push(`$skiptoken=${token}`);
  return `${protocol}://${host}${request.path}?${options.join('&')}`;
}

/** A Graph collection page: `@odata.context`, `@odata.count` when asked, `@odata.nextLink` while more rows follow, and `value`. */
export function graphPage<T>(entitySet: string, value: T[], extras: { nextLink?: string | null; count?: number | null; select?: string[] | null } = {}) {
  const context = extras.select ? `${GRAPH_METADATA}#${entitySet}(${extras.select.join(',')})` : `${GRAPH_METADATA}#${entitySet}`;
  return {
    '@odata.context': context,
    ...(extras.count !== undefined && extras.count !== null ? { '@odata.count': extras.count } : {}),
    ...(extras.nextLink ? { '@odata.nextLink': extras.nextLink } : {}),
    value,
  };
}

/** Lists a Graph collection as Graph does: options checked, one keyset page, the envelope with the next link. */
export function listGraphCollection<Row, Entity extends Record<string, unknown>>(
  db: Database.Database,
  resource: GraphResource,
  request: CollectionRequest,
  tokens: SkipTokens,
  toEntity: (row: Row) => Entity,
) {
  const options = queryOptions(request.query, resource, tokens);
  const page = queryCollection<Row>(db, resource, options);
  const nextLink = page.next ? nextLinkOf(request, tokens.encode(page.next, options.scope)) : null;
  return graphPage(resource.entitySet, page.rows.map((row) => selected(toEntity(row), options.select)), { nextLink, count: page.count, select: options.select });
}
