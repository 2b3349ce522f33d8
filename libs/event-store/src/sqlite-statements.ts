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
