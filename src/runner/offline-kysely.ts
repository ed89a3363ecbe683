import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';
import { sqlLiteral } from './sql-literal.js';

/** Why a revision cannot be rendered as plain SQL (it read rows, or used a value SQL text cannot hold). */
export class OfflineUnsupported extends Error {
  override readonly name = 'OfflineUnsupported';
}

/** What a query "returns" offline: no rows, or one row without columns (to see whether the SQL depends on it). */
export type OfflineRows = 'none' | 'one';

/**
 * A Kysely whose queries are written down instead of executed (offline SQL, `--sql`). Nothing runs,
 * so results are made up (`rows`); `readRows()` tells whether the revision looked at them.
 */
export function capturingKysely(statements: string[], rows: OfflineRows): { db: Kysely<any>; readRows: () => boolean } {
  let read = false;
  const madeUp = new Proxy(rows === 'none' ? [] : [{}], {
    get(target, property, receiver) {
      // `await` probes `then` on every resolved value: that is not a read.
      if (property !== 'then') read = true;
      return Reflect.get(target, property, receiver);
    },
  });
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      statements.push(inlineParameters(query.sql, query.parameters));
      return { rows: madeUp as R[] };
    },
    // eslint-disable-next-line require-yield
    async *streamQuery() {
      read = true;
      throw new OfflineUnsupported('it streams the rows of a query, which offline SQL cannot provide');
    },
  };
  const driver: Driver = {
    init: async () => undefined,
    acquireConnection: async () => connection,
    // A non-transactional revision groups statements in transactions of its own (db.transaction()):
    // the script must hold them too, as the online run sends them.
    beginTransaction: async () => void statements.push('BEGIN'),
    commitTransaction: async () => void statements.push('COMMIT'),
    rollbackTransaction: async () => void statements.push('ROLLBACK'),
    releaseConnection: async () => undefined,
    destroy: async () => undefined,
  };
  const db = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return { db, readRows: () => read };
}

/** Kysely sends values as parameters ($1…); plain SQL needs them as literals. */
function inlineParameters(text: string, parameters: readonly unknown[]): string {
  if (parameters.length === 0) return text;
  return text.replace(/\$(\d+)(?!\d)/g, (placeholder, digits: string) => {
    const index = Number(digits) - 1;
    return index < parameters.length ? literalOf(parameters[index]) : placeholder;
  });
}

function literalOf(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return sqlLiteral(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return sqlLiteral(value);
  if (value instanceof Date) return sqlLiteral(value.toISOString());
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`;
  throw new OfflineUnsupported(`it passes a parameter of type ${Array.isArray(value) ? 'array' : typeof value}, which offline SQL does not render`);
}
