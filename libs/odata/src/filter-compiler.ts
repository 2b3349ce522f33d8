import { ComparisonOperator, FilterNode, Literal, Operand, PropertyPath } from './filter-parser';
import { ODataQueryError } from './odata-error';
import { DEFAULT_OPERATORS, ElementProperty, FilterOperator, GraphResource, PropertyDefinition, ScalarType } from './resource';

/** SQL text made only of the resource's own fragments and `?` placeholders, and the values to bind to them. */
export type CompiledFilter = { sql: string; params: SqlValue[] };
export type SqlValue = string | number | null;

type Scope = { variable: string; alias: string; element: Extract<PropertyDefinition, { kind: 'collection' }>['element'] };
type Resolved = { sql: string; type: ScalarType; operators: readonly FilterOperator[]; name: string };

const JSON_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const INT32 = { min: -2147483648, max: 2147483647 };
const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
const SQL_OPERATORS: Record<'gt' | 'ge' | 'lt' | 'le', string> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

export function compileFilter(node: FilterNode, resource: Pick<GraphResource, 'filterable'>): CompiledFilter {
  const params: SqlValue[] = [];
  const scopes: Scope[] = [];

  const bind = (value: SqlValue) => {
    params.push(value);
    return '?';
  };

  const resolve = (path: PropertyPath): Resolved => {
    if (path.variable !== undefined) {
      const scope = scopes.find((candidate) => candidate.variable === path.variable)!;
      if ('type' in scope.element) {
        if (path.path.length) throw new ODataQueryError(`$filter: the elements of this collection have no property ${path.path.join('/')}`);
        return { sql: `${scope.alias}.value`, type: scope.element, operators: DEFAULT_OPERATORS[scope.element.type], name: path.variable };
      }
      const name = path.path.join('/');
      const property: ElementProperty | undefined = Object.hasOwn(scope.element.properties, name) ? scope.element.properties[name] : undefined;
      if (!property) {
        const known = Object.keys(scope.element.properties).map((key) => `${path.variable}/${key}`);
        throw new ODataQueryError(`$filter: ${path.variable}/${name} cannot be filtered on; filterable here: ${known.join(', ')}`);
      }
      // the JSON path is the resource's constant, checked to be a plain path
      if (!JSON_PATH.test(property.json)) throw new Error(`resource definition: ${property.json} is not a plain JSON path`);
      return { sql: `json_extract(${scope.alias}.value, '${property.json}')`, type: property.type, operators: property.operators ?? DEFAULT_OPERATORS[property.type.type], name: `${path.variable}/${name}` };
    }
    const name = path.path.join('/');
    const property = lookup(resource.filterable, name);
    if (property.kind === 'collection') throw new ODataQueryError(`$filter: ${name} is a collection: use ${name}/any(x: …)`);
    return { sql: property.sql, type: property.type, operators: property.operators ?? DEFAULT_OPERATORS[property.type.type], name };
  };


  const allow = (property: Resolved, operator: FilterOperator, shown: string) => {
    if (!property.operators.includes(operator)) {
      const supported = property.operators.map((op) => (op === 'range' ? 'gt, ge, lt, le' : op)).join(', ');
      throw new ODataQueryError(`$filter: the operator ${shown} is not supported on ${property.name}; supported: ${supported}`);
    }
  };

  const compile = (current: FilterNode): string => {
    switch (current.kind) {
      case 'and':
      case 'or':
        return `(${compile(current.left)} ${current.kind.toUpperCase()} ${compile(current.right)})`;
      case 'not':
        // two-valued logic as OData has it: a comparison with a missing value is false, so its negation is true
        return `(${compile(current.operand)} IS NOT 1)`;
      case 'compare':
        return comparison(current.operator, current.left, current.right);
      case 'in': {
        const property = resolve(current.property);
        allow(property, 'in', 'in');
        const values = current.values.map((literal) => valueFor(property, literal));
        const present = values.filter((value) => value !== null);
        const parts = present.length ? [`${property.sql} IN (${present.map(bind).join(', ')})`] : [];
        if (values.includes(null)) parts.push(`${property.sql} IS NULL`);
        return `(${parts.join(' OR ')})`;
      }
      case 'function':
        return call(current.name, current.args);
      case 'boolean-property': {
        const property = resolve(current.property);
        if (property.type.type !== 'boolean') throw new ODataQueryError(`$filter: ${property.name} is not a Boolean: compare it with a value`);
        return `(${property.sql} = 1)`;
      }
      case 'lambda':
        return lambda(current);
    }
  };

  const comparison = (operator: ComparisonOperator, left: Operand, right: Operand): string => {
    if (left.kind === 'literal' && right.kind === 'property') return comparison(FLIPPED[operator], right, left);
    if (left.kind !== 'property' || right.kind !== 'literal') {
      throw new ODataQueryError(`$filter: ${operator} compares a property with a literal value`);
    }
    const property = resolve(left);
    allow(property, operator === 'eq' || operator === 'ne' ? operator : 'range', operator);
    const value = valueFor(property, right);
    if (operator === 'eq') return value === null ? `(${property.sql} IS NULL)` : `(${property.sql} = ${bind(value)})`;
    if (operator === 'ne') return value === null ? `(${property.sql} IS NOT NULL)` : `(${property.sql} IS NOT ${bind(value)})`;
    if (value === null) throw new ODataQueryError(`$filter: ${operator} null compares nothing: use eq null or ne null`);
    return `(${property.sql} ${SQL_OPERATORS[operator]} ${bind(value)})`;
  };

  const call = (name: string, args: Operand[]): string => {
    if (name !== 'startswith') {
      const known = ['endswith', 'contains', 'tolower', 'toupper', 'length', 'indexof', 'substring', 'trim', 'concat', 'year', 'month', 'day'];
      throw new ODataQueryError(known.includes(name) ? `$filter: the function ${name} is not supported here; supported: startswith` : `$filter: unknown function ${name}`);
    }
    const [subject, prefix] = args;
    if (args.length !== 2 || subject?.kind !== 'property' || prefix?.kind !== 'literal') {
      throw new ODataQueryError("$filter: startswith takes a property and a string: startswith(userPrincipalName,'alice')");
    }
    const property = resolve(subject);
    allow(property, 'startswith', 'startswith');
    if (prefix.type !== 'string') throw new ODataQueryError(`$filter: startswith(${property.name}, …) needs a string`);
    if (!prefix.value) return `(${property.sql} IS NOT NULL)`;
    // a range on the text rather than LIKE: an index on the column serves it, and % or _ in the prefix mean nothing
    const upper = successor(prefix.value);
    return upper === null ? `(${property.sql} >= ${bind(prefix.value)})` : `(${property.sql} >= ${bind(prefix.value)} AND ${property.sql} < ${bind(upper)})`;
  };

  const lambda = (node: Extract<FilterNode, { kind: 'lambda' }>): string => {
    if (node.collection.variable !== undefined) throw new ODataQueryError('$filter: nested lambdas are not supported');
    const name = node.collection.path.join('/');
    const property = lookup(resource.filterable, name);
    if (property.kind !== 'collection') throw new ODataQueryError(`$filter: ${name} is not a collection: ${node.quantifier}() applies to collections`);
    if (!node.predicate || !node.variable) return `(json_array_length(${property.sql}) > 0)`;
    const alias = `e${scopes.length}`;
    scopes.push({ variable: node.variable, alias, element: property.element });
    try {
      const predicate = compile(node.predicate);
      return node.quantifier === 'any'
        ? `(EXISTS (SELECT 1 FROM json_each(${property.sql}) AS ${alias} WHERE ${predicate}))`
        : `(NOT EXISTS (SELECT 1 FROM json_each(${property.sql}) AS ${alias} WHERE ${predicate} IS NOT 1))`;
    } finally {
      scopes.pop();
    }
  };

  return { sql: compile(node), params };
}

function lookup(properties: Record<string, PropertyDefinition>, name: string): PropertyDefinition {
  if (Object.hasOwn(properties, name)) return properties[name]!;
  const alike = Object.keys(properties).find((key) => key.toLowerCase() === name.toLowerCase());
  throw new ODataQueryError(
    alike
      ? `$filter: unknown property ${name}; property names are case-sensitive: did you mean ${alike}?`
      : `$filter: the property ${name} is unknown or cannot be filtered on; filterable: ${Object.keys(properties).join(', ')}`,
  );
}

/** The literal as the value stored in the column, if its type fits the property's. */
function valueFor(property: Resolved, literal: Literal): SqlValue {
  if (literal.type === 'null') return null;
  const mismatch = () => new ODataQueryError(`$filter: ${property.name} is ${typeName(property.type)}; ${describe(literal)} is not`);
  switch (property.type.type) {
    case 'string':
      if (literal.type === 'string' || literal.type === 'guid') return literal.value;
      throw mismatch();
    case 'guid':
      if (literal.type === 'guid') return literal.value;
      // Graph's ids are strings: 'b1f…' is accepted for them
      if (literal.type === 'string') return literal.value;
      throw mismatch();
    case 'int':
      if (literal.type !== 'number') throw mismatch();
      if (!Number.isInteger(literal.value) || literal.value < INT32.min || literal.value > INT32.max) {
        throw new ODataQueryError(`$filter: ${property.name} is a 32-bit integer; ${literal.text} is not`);
      }
      return literal.value;
    case 'boolean':
      if (literal.type !== 'boolean') throw mismatch();
      return literal.value ? 1 : 0;
    case 'datetime':
      if (literal.type === 'datetime') return literal.value;
      if (literal.type === 'date') return `${literal.value}T00:00:00.000Z`;
      if (literal.type === 'string') {
        throw new ODataQueryError(`$filter: ${property.name} is a date and time, written without quotes: ${property.name} ge 2026-01-31T00:00:00Z`);
      }
      throw mismatch();
    case 'enum': {
      const { name, members } = property.type;
      if (literal.type === 'enum' && literal.enumType.split('.').pop() !== name) {
        throw new ODataQueryError(`$filter: ${property.name} is of the enum type ${name}, not ${literal.enumType}`);
      }
      if (literal.type !== 'string' && literal.type !== 'enum') throw mismatch();
      if (!members.includes(literal.value)) {
        throw new ODataQueryError(`$filter: '${literal.value}' is not a member of ${name}; members: ${members.join(', ')}`);
      }
      return literal.value;
    }
  }
}

function typeName(type: ScalarType): string {
  switch (type.type) {
    case 'string':
      return 'a string';
    case 'int':
      return 'a number';
    case 'boolean':
      return 'a Boolean';
    case 'datetime':
      return 'a date and time';
    case 'guid':
      return 'a GUID';
    case 'enum':
      return `the enum ${type.name}`;
  }
}

function describe(literal: Literal): string {
  switch (literal.type) {
    case 'string':
      return `the string '${literal.value.length > 40 ? `${literal.value.slice(0, 40)}…` : literal.value}'`;
    case 'number':
      return `the number ${literal.text}`;
    case 'enum':
      return `the enum value ${literal.enumType}'${literal.value}'`;
    default:
      return `the ${literal.type} ${String(literal.value)}`;
  }
}

/**
 * The least string greater than every string starting with `prefix`, in SQLite's binary (UTF-8 byte, hence code
 * point) order: the prefix with its last code point incremented. Null when no such string exists.
 */
export function successor(prefix: string): string | null {
  const points = [...prefix].map((char) => char.codePointAt(0)!);
  while (points.length) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return null;
}
