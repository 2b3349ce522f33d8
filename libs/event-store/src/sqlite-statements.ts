import Database from 'better-sqlite3';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per connection and SQL text: preparing is a large part of a small query's cost. */
export function prepared<Parameters extends unknown[] = unknown[], Result = unknown>(db: Database.Database, sql: string): Database.Statement<Parameters, Result> {
  let statements = cache.get(db);
  if (!statements) cache.set(db, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement as unknown as Database.Statement<Parameters, Result>;
}

/**
 * Rows inserted many to a statement: `push` holds a row back, and a statement of `perStatement` rows runs as soon as
 * there are that many; `flush` writes the rest. Each statement costs a call into SQLite and a pass over its program:
 * a rebuild inserting a million rows pays that many times less often. Flush before anything reads the table.
 */
export class BatchedInsert {
  private values: unknown[] = [];
  private readonly statements = new Map<number, Database.Statement>();

  /** `insert`: `INSERT … INTO <table> (<columns>) VALUES` without its values, a constant of the caller's. */
  constructor(private readonly db: Database.Database, private readonly insert: string, private readonly width: number, private readonly perStatement = 32) {}

  push(row: readonly unknown[]): void {
    for (const value of row) this.values.push(value);
    if (this.values.length === this.width * this.perStatement) this.flush();
  }

  flush(): void {
    if (!this.values.length) return;
    this.statement(this.values.length / this.width).run(...this.values);
    this.values = [];
  }

  private statement(rows: number): Database.Statement {
    let statement = this.statements.get(rows);
    if (!statement) {
      const row = `(${Array.from({ length: this.width }, () => '?').join(', ')})`;
      this.statements.set(rows, (statement = this.db.prepare(`${this.insert} ${Array.from({ length: rows }, () => row).join(', ')}`)));
    }
    return statement;
  }
}
