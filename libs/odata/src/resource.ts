/**
 * What a Graph collection lets a client query, and how each Graph property is read in SQL. Every SQL fragment here
 * is written by us, in code: a query string only ever chooses among them and supplies bound values.
 */
export type ScalarType =
  | { type: 'string' }
  | { type: 'int' }
  | { type: 'boolean' }
  | { type: 'datetime' }
  | { type: 'guid' }
  | { type: 'enum'; name: string; members: readonly string[] };

/** `range` is gt, ge, lt and le. */
export type FilterOperator = 'eq' | 'ne' | 'range' | 'in' | 'startswith';

export type ScalarProperty = {
  kind: 'scalar';
  /** an SQL expression over the collection's row (a column, or json_extract of one) */
  sql: string;
  type: ScalarType;
  /** the operators Graph documents for the property; by default what its type allows */
  operators?: readonly FilterOperator[];
};

export type ElementProperty = { json: string; type: ScalarType; operators?: readonly FilterOperator[] };

/** A JSON array column, filtered with a lambda: `riskEventTypes_v2/any(t: t eq 'x')`, `targetResources/any(t: t/id eq 'x')`. */
export type CollectionProperty = {
  kind: 'collection';
  /** an SQL expression giving the JSON array text */
  sql: string;
  element: ScalarType | { properties: Record<string, ElementProperty> };
};

export type PropertyDefinition = ScalarProperty | CollectionProperty;

export type SortKey = { sql: string; type: 'datetime' | 'string' | 'int' };

export type GraphResource = {
  /** the path after `$metadata#`, e.g. auditLogs/signIns */
  entitySet: string;
  /** the FROM clause: a table name */
  from: string;
  /** the select list of a row */
  columns: string;
  /** a unique, non-null column (text, or an integer such as a rowid): the tie-breaker of every order, and the second half of the paging key */
  key: string;
  /** Graph property path (`status/errorCode`) → its SQL; the properties Graph allows in $filter */
  filterable: Record<string, PropertyDefinition>;
  /** top-level property names a client may $select */
  selectable: readonly string[];
  /** properties Graph lets $orderby use (none: $orderby is refused); each a non-null column */
  sortable: Record<string, SortKey>;
  /** the order without $orderby (named by a Graph property, which need not be sortable on request) */
  defaultOrder: { property: string; key: SortKey; direction: 'asc' | 'desc' };
  top: { default: number; max: number };
  /** Graph's CountRestrictions/Countable */
  countable: boolean;
  /** Graph's SkipSupported */
  skip: boolean;
};

export const DEFAULT_OPERATORS: Record<ScalarType['type'], readonly FilterOperator[]> = {
  string: ['eq', 'ne', 'in', 'startswith'],
  int: ['eq', 'ne', 'range', 'in'],
  boolean: ['eq', 'ne'],
  datetime: ['eq', 'ne', 'range'],
  guid: ['eq', 'ne', 'in'],
  enum: ['eq', 'ne', 'in'],
};

export const scalar = (sql: string, type: ScalarType, operators?: readonly FilterOperator[]): ScalarProperty => ({ kind: 'scalar', sql, type, operators });
export const STRING: ScalarType = { type: 'string' };
export const INT: ScalarType = { type: 'int' };
export const BOOLEAN: ScalarType = { type: 'boolean' };
export const DATETIME: ScalarType = { type: 'datetime' };
export const GUID: ScalarType = { type: 'guid' };
