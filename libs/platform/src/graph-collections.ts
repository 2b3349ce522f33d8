import { Inject, Injectable } from '@nestjs/common';
import {
  CollectionRequest,
  graphPage,
  GraphResource,
  includesUnknownEnumMembers,
  nextLinkOf,
  queryCollection,
  queryOptions,
  selected,
  SkipTokens,
  toCsv,
} from '@bulwark/odata';
import type Database from 'better-sqlite3';
import type { Request, Response } from 'express';
import { SealedBox } from './sealed-box';
import { SEALED_BOX } from './tokens';

export type EntityOptions = { includeUnknownEnumMembers: boolean };
/** A CSV column: its header, its value, and the Graph property it shows (so `$select` picks columns as it picks properties). */
export type CsvColumn<T> = { property: keyof T & string; header: string; value: (entity: T) => unknown };

/**
 * Graph collections at the HTTP edge: the OData options of the request, one keyset page, `@odata.nextLink` from
 * the request's host, `Prefer: include-unknown-enum-members`, and CSV for `Accept: text/csv` where a route offers it.
 * Skip tokens are signed with a key derived from the data key, so they survive restarts and cannot be forged.
 */
@Injectable()
export class GraphCollections {
  readonly tokens: SkipTokens;

  constructor(@Inject(SEALED_BOX) box: SealedBox) {
    this.tokens = new SkipTokens(box.derive('odata-skiptoken'));
  }

  respond<Row, Entity extends Record<string, unknown>>(
    db: Database.Database,
    resource: GraphResource,
    request: Request,
    response: Response,
    toEntity: (row: Row, options: EntityOptions) => Entity,
    csvColumns?: ReadonlyArray<CsvColumn<Entity>>,
  ) {
    const include = includesUnknownEnumMembers(request.headers.prefer);
    if (include) response.setHeader('Preference-Applied', 'include-unknown-enum-members');
    const collectionRequest: CollectionRequest = { query: request.query as Record<string, unknown>, path: request.path, protocol: request.protocol, headers: request.headers };
    const options = queryOptions(collectionRequest.query, resource, this.tokens);
    const page = queryCollection<Row>(db, resource, options);
    const entities = page.rows.map((row) => toEntity(row, { includeUnknownEnumMembers: include }));
    const nextLink = page.next ? nextLinkOf(collectionRequest, this.tokens.encode(page.next, options.scope)) : null;
    if (csvColumns && wantsCsv(request)) {
      response.setHeader('Content-Type', 'text/csv; charset=utf-8');
      response.setHeader('Content-Disposition', `attachment; filename="${resource.entitySet.split('/').pop()}.csv"`);
      if (nextLink) response.setHeader('Link', `<${nextLink}>; rel="next"`);
      const select = options.select;
      return toCsv(select ? csvColumns.filter((column) => select.includes(column.property)) : csvColumns, entities);
    }
    return graphPage(resource.entitySet, entities.map((entity) => selected(entity, options.select)), { nextLink, count: page.count, select: options.select });
  }
}

/** CSV only when the client prefers it to JSON (a browser's or SDK's Accept lists JSON or anything). */
function wantsCsv(request: Request): boolean {
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/csv/i.test(accept) && request.accepts(['application/json', 'text/csv']) === 'text/csv';
}
