/**
 * How a generated revision runs its statements so that it blocks no reader or writer for longer
 * than a catalog change, and passes `lint` as written:
 *  1. indexes dropped from tables that stay: DROP INDEX CONCURRENTLY, each outside a transaction;
 *  2. everything else in one transaction (tables, columns, comments, views, functions, constraints
 *     of existing tables added NOT VALID, indexes and constraints of tables it creates);
 *  3. indexes on existing tables: CREATE INDEX CONCURRENTLY IF NOT EXISTS, each outside a
 *     transaction; then, in one transaction, what needs them (a UNIQUE or PRIMARY KEY constraint
 *     attached USING INDEX, their comments);
 *  4. each NOT VALID constraint validated in a transaction of its own (a scan that blocks no one).
 * A revision whose statements all fall in step 2 stays one transactional revision.
 */
export type OnlineStep =
  | { kind: 'transaction'; statements: string[] }
  /** One statement that cannot run in a transaction (CONCURRENTLY). */
  | { kind: 'alone'; statement: string };

const NAME = String.raw`(?:"(?:[^"]|"")+"|[\w$]+)`;
const QUALIFIED = String.raw`(?:${NAME}\.)?(${NAME})`;
const CREATE_TABLE = new RegExp(String.raw`^create\s+(?:unlogged\s+)?table\s+${QUALIFIED}`, 'i');
const CREATE_INDEX = new RegExp(String.raw`^CREATE\s+(UNIQUE\s+)?INDEX\s+(${NAME})\s+ON\s+(?:ONLY\s+)?${QUALIFIED}\s`, 'i');
const DROP_INDEX = new RegExp(String.raw`^drop\s+index\s+(?:if\s+exists\s+)?(${QUALIFIED})$`, 'i');
const DROP_CONSTRAINT = new RegExp(String.raw`^alter\s+table\s+(?:only\s+)?${QUALIFIED}\s+drop\s+constraint\s+(${NAME})`, 'i');
const ADD_NOT_VALID = new RegExp(String.raw`^(alter\s+table\s+(?:only\s+)?${QUALIFIED}\s+add\s+constraint\s+${NAME}\s[\s\S]*?)\s+not\s+valid$`, 'i');
const VALIDATE = new RegExp(String.raw`^alter\s+table\s+(?:only\s+)?${QUALIFIED}\s+validate\s+constraint\s+${NAME}$`, 'i');

/** An identifier as the catalogs spell it: quotes removed, unquoted names folded to lower case. */
function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

/** The identifiers a statement mentions, unquoted (to find the comments on an object). */
function mentionedNames(statement: string): Set<string> {
  return new Set([...statement.matchAll(new RegExp(NAME, 'g'))].map((match) => unquote(match[0])));
}

/** The steps of one direction (up or down) of a generated revision, from migra's statements plus comments. */
export function onlineSteps(statements: readonly string[]): OnlineStep[] {
  const createdTables = new Set(statements.flatMap((s) => CREATE_TABLE.exec(s)?.[1] ?? []).map(unquote));
  const droppedConstraints = new Set(statements.flatMap((s) => DROP_CONSTRAINT.exec(s)?.[2] ?? []).map(unquote));
  const dropsFirst: OnlineStep[] = [];
  const main: string[] = [];
  const buildsAfter: OnlineStep[] = [];
  const concurrentIndexes = new Set<string>();
  const needIndexes: string[] = [];
  const validations: OnlineStep[] = [];
  for (const statement of statements) {
    const dropIndex = DROP_INDEX.exec(statement);
    const createIndex = CREATE_INDEX.exec(statement);
    const notValid = ADD_NOT_VALID.exec(statement);
    const validate = VALIDATE.exec(statement);
    if (dropIndex && !droppedConstraints.has(unquote(dropIndex[2]!))) {
      // An index that backs a dropped constraint goes with it, in the transaction.
      dropsFirst.push({ kind: 'alone', statement: `DROP INDEX CONCURRENTLY IF EXISTS ${dropIndex[1]}` });
    } else if (createIndex && !createdTables.has(unquote(createIndex[3]!))) {
      concurrentIndexes.add(unquote(createIndex[2]!));
      buildsAfter.push({ kind: 'alone', statement: statement.replace(/^CREATE\s+(UNIQUE\s+)?INDEX\s+/i, (_, unique: string | undefined) => `CREATE ${unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS `) });
    } else if (notValid && createdTables.has(unquote(notValid[2]!))) {
      main.push(notValid[1]!); // a new table is empty: its constraint is checked at once, and nothing waits on it
    } else if (validate) {
      if (!createdTables.has(unquote(validate[1]!))) validations.push({ kind: 'transaction', statements: [statement] });
    } else if ([...mentionedNames(statement)].some((name) => concurrentIndexes.has(name))) {
      // a constraint attached USING INDEX (same name as its index), a comment on either
      needIndexes.push(statement);
    } else {
      main.push(statement);
    }
  }
  return [
    ...dropsFirst,
    ...(main.length > 0 ? [{ kind: 'transaction' as const, statements: main }] : []),
    ...buildsAfter,
    ...(needIndexes.length > 0 ? [{ kind: 'transaction' as const, statements: needIndexes }] : []),
    ...validations,
  ];
}

/** True when the steps are one transaction (or nothing): the revision can stay transactional. */
export function fitsOneTransaction(steps: readonly OnlineStep[]): boolean {
  return steps.every((step) => step.kind === 'transaction') && steps.length <= 1;
}
