import { Token, tokenize } from './lexer';
import { ODataQueryError } from './odata-error';

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type Literal =
  | { kind: 'literal'; type: 'string'; value: string }
  | { kind: 'literal'; type: 'number'; value: number; text: string }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null'; value: null }
  | { kind: 'literal'; type: 'datetime'; value: string }
  | { kind: 'literal'; type: 'date'; value: string }
  | { kind: 'literal'; type: 'guid'; value: string }
  | { kind: 'literal'; type: 'enum'; enumType: string; value: string };

/** A property path (`status/errorCode`), or inside a lambda the range variable and a path from it (`t/id`, `t`). */
export type PropertyPath = { kind: 'property'; path: string[]; variable?: string };

export type Operand = Literal | PropertyPath;

/** The filter as a tree: what the compiler turns into SQL, and nothing of the text survives but literal values. */
export type FilterNode =
  | { kind: 'compare'; operator: ComparisonOperator; left: Operand; right: Operand }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'in'; property: PropertyPath; values: Literal[] }
  | { kind: 'function'; name: string; args: Operand[] }
  | { kind: 'lambda'; quantifier: 'any' | 'all'; collection: PropertyPath; variable: string | null; predicate: FilterNode | null }
  /** a Boolean property on its own: `isInteractive` */
  | { kind: 'boolean-property'; property: PropertyPath };

const COMPARISONS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
/** Deep enough for any honest filter; a bound so a crafted one cannot exhaust the stack. */
const MAX_DEPTH = 40;
const MAX_IN_VALUES = 200;

export function parseFilter(text: string): FilterNode {
  if (!text.trim()) throw new ODataQueryError('$filter is empty');
  return new Parser(tokenize(text)).parse();
}

class Parser {
  private index = 0;
  private depth = 0;
  /** range variables of the lambdas around the current position */
  private readonly variables: string[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.or();
    const next = this.peek();
    if (next.kind !== 'end') throw this.unexpected(next, 'the end of the filter');
    return node;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): FilterNode {
    this.enter();
    try {
      if (this.keyword('not')) return { kind: 'not', operand: this.unary() };
      return this.primary();
    } finally {
      this.depth -= 1;
    }
  }

  private primary(): FilterNode {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.index += 1;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (token.kind === 'identifier' && this.peekAt(1).kind === 'punct' && (this.peekAt(1) as { text: string }).text === '(' && !this.isVariable(token.text)) {
      return this.functionCall();
    }
    const operand = this.operand();
    const operator = this.peek();
    if (operand.kind === 'property' && operand.lambda) {
      const lambda = operand.lambda;
      // `any(…) eq true` reads as any(…)
      if (operator.kind === 'identifier' && (operator.text === 'eq' || operator.text === 'ne')) {
        this.index += 1;
        const value = this.scalarOperand();
        if (value.kind !== 'literal' || value.type !== 'boolean') throw new ODataQueryError(`$filter: a lambda can only be compared with true or false (position ${operator.at})`);
        return value.value === (operator.text === 'eq') ? lambda : { kind: 'not', operand: lambda };
      }
      return lambda;
    }
    const left = operand.kind === 'property' ? tidy(operand) : operand;
    if (operator.kind === 'identifier' && COMPARISONS.has(operator.text)) {
      this.index += 1;
      return { kind: 'compare', operator: operator.text as ComparisonOperator, left, right: this.scalarOperand() };
    }
    if (operator.kind === 'identifier' && operator.text === 'in') {
      this.index += 1;
      if (left.kind !== 'property') throw new ODataQueryError(`$filter: 'in' needs a property on its left (position ${operator.at})`);
      return { kind: 'in', property: left, values: this.literalList() };
    }
    if (operator.kind === 'identifier' && ['add', 'sub', 'mul', 'div', 'mod', 'has'].includes(operator.text)) {
      throw new ODataQueryError(`$filter: the operator '${operator.text}' is not supported (position ${operator.at})`);
    }
    // a property alone is a Boolean condition, where a condition may end
    const ends = operator.kind === 'end' || (operator.kind === 'punct' && operator.text === ')') || (operator.kind === 'identifier' && (operator.text === 'and' || operator.text === 'or'));
    if (left.kind === 'property' && ends) return { kind: 'boolean-property', property: left };
    throw this.unexpected(operator, 'a comparison operator (eq, ne, gt, ge, lt, le) or in');
  }

  /** `name(arg, …)`: startswith and the other string functions; the compiler decides which a property supports. */
  private functionCall(): FilterNode {
    const name = this.next() as Extract<Token, { kind: 'identifier' }>;
    this.expect('(');
    const args: Operand[] = [];
    if (!this.isPunct(')')) {
      do args.push(this.scalarOperand());
      while (this.eat(','));
    }
    this.expect(')');
    const node: FilterNode = { kind: 'function', name: name.text.toLowerCase(), args };
    // Graph accepts `startswith(x,'a') eq true`
    const operator = this.peek();
    if (operator.kind === 'identifier' && (operator.text === 'eq' || operator.text === 'ne')) {
      this.index += 1;
      const value = this.scalarOperand();
      if (value.kind !== 'literal' || value.type !== 'boolean') throw new ODataQueryError(`$filter: ${name.text}(…) can only be compared with true or false (position ${operator.at})`);
      return value.value === (operator.text === 'eq') ? node : { kind: 'not', operand: node };
    }
    return node;
  }

  private literalList(): Literal[] {
    this.expect('(');
    const values: Literal[] = [];
    do {
      const value = this.scalarOperand();
      if (value.kind !== 'literal') throw new ODataQueryError("$filter: the list after 'in' holds only literal values");
      values.push(value);
      if (values.length > MAX_IN_VALUES) throw new ODataQueryError(`$filter: an 'in' list holds at most ${MAX_IN_VALUES} values`);
    } while (this.eat(','));
    this.expect(')');
    return values;
  }

  /** A literal or a property path, where a lambda makes no sense (an argument, a comparison's right side). */
  private scalarOperand(): Operand {
    const start = this.peek();
    const operand = this.operand();
    if (operand.kind === 'property' && operand.lambda) throw new ODataQueryError(`$filter: a lambda (any/all) at position ${start.at} cannot be used as a value`);
    return operand.kind === 'property' ? tidy(operand) : operand;
  }

  /** A literal, or a property path possibly ending in a lambda (`targetResources/any(t: t/id eq 'x')`). */
  private operand(): Literal | (PropertyPath & { lambda?: FilterNode }) {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return { kind: 'literal', type: 'string', value: token.value };
      case 'number':
        return { kind: 'literal', type: 'number', value: token.value, text: token.text };
      case 'datetime':
        return { kind: 'literal', type: 'datetime', value: token.value };
      case 'date':
        return { kind: 'literal', type: 'date', value: token.value };
      case 'guid':
        return { kind: 'literal', type: 'guid', value: token.value };
      case 'enum':
        return { kind: 'literal', type: 'enum', enumType: token.type, value: token.value };
      case 'identifier':
        break;
      default:
        throw this.unexpected(token, 'a property or a literal value');
    }
    if (token.text === 'true' || token.text === 'false') return { kind: 'literal', type: 'boolean', value: token.text === 'true' };
    if (token.text === 'null') return { kind: 'literal', type: 'null', value: null };
    if (token.text.includes('.')) throw new ODataQueryError(`$filter: '${token.text}' at position ${token.at} is not a property (type casts are not supported)`);
    const variable = this.isVariable(token.text) ? token.text : undefined;
    const path = variable ? [] : [token.text];
    while (this.isPunct('/')) {
      this.index += 1;
      const segment = this.next();
      if (segment.kind !== 'identifier' || segment.text.includes('.')) throw this.unexpected(segment, 'a property name after /');
      if ((segment.text === 'any' || segment.text === 'all') && this.isPunct('(')) {
        return { kind: 'property', path, variable, lambda: this.lambda(segment.text, { kind: 'property', path, variable }) };
      }
      path.push(segment.text);
    }
    return variable ? { kind: 'property', path, variable } : { kind: 'property', path };
  }

  private lambda(quantifier: 'any' | 'all', collection: PropertyPath): FilterNode {
    this.expect('(');
    if (this.eat(')')) {
      if (quantifier === 'all') throw new ODataQueryError('$filter: all() needs a predicate');
      return { kind: 'lambda', quantifier, collection: tidy(collection), variable: null, predicate: null };
    }
    const variable = this.next();
    if (variable.kind !== 'identifier' || variable.text.includes('.') || ['true', 'false', 'null'].includes(variable.text)) throw this.unexpected(variable, 'a range variable name');
    if (this.variables.includes(variable.text)) throw new ODataQueryError(`$filter: the range variable '${variable.text}' is already in use`);
    this.expect(':');
    this.variables.push(variable.text);
    try {
      const predicate = this.or();
      this.expect(')');
      return { kind: 'lambda', quantifier, collection: tidy(collection), variable: variable.text, predicate };
    } finally {
      this.variables.pop();
    }
  }

  private enter() {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw new ODataQueryError(`$filter nests deeper than ${MAX_DEPTH} levels`);
  }

  private isVariable(name: string) {
    return this.variables.includes(name);
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token.kind === 'identifier' && token.text === word) {
      this.index += 1;
      return true;
    }
    return false;
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private eat(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.index += 1;
    return true;
  }

  private expect(text: string): void {
    const token = this.peek();
    if (!this.eat(text)) throw this.unexpected(token, `'${text}'`);
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private peekAt(offset: number): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private unexpected(token: Token, wanted: string): ODataQueryError {
    const found = token.kind === 'end' ? 'the end of the filter' : `${describe(token)} at position ${token.at}`;
    return new ODataQueryError(`$filter: expected ${wanted}, found ${found}`);
  }
}

const tidy = (path: PropertyPath): PropertyPath => (path.variable ? { kind: 'property', path: path.path, variable: path.variable } : { kind: 'property', path: path.path });

function describe(token: Token): string {
  switch (token.kind) {
    case 'identifier':
      return `'${token.text}'`;
    case 'punct':
      return `'${token.text}'`;
    case 'string':
      return 'a string';
    case 'enum':
      return 'an enum value';
    case 'end':
      return 'the end';
    default:
      return `'${'text' in token ? token.text : token.value}'`;
  }
}
