/** The lexer that refuses transaction control in a transactional revision's SQL (issue 8, item 2). */
import { describe, expect, it } from 'vitest';
import { transactionControlStatement } from '../../src/runner/transaction-control.js';

describe('transactionControlStatement', () => {
  it.each([
    ['COMMIT', 'COMMIT'],
    ['  commit work', 'COMMIT WORK'],
    ['CREATE TABLE t (id int); END', 'END'],
    ["INSERT INTO t VALUES ('a;b'); ROLLBACK;", 'ROLLBACK'],
    ['/* nested /* comment */ ; */ abort', 'ABORT'],
    ['-- a comment; COMMIT\nBEGIN', 'BEGIN'],
    ['start transaction isolation level serializable', 'START TRANSACTION'],
    ["PREPARE TRANSACTION 'x'", 'PREPARE TRANSACTION'],
  ])('finds %j', (text, found) => {
    expect(transactionControlStatement(text)).toBe(found);
  });

  it.each([
    'SELECT 1',
    "SELECT 'COMMIT'; SELECT E'it\\'s; COMMIT'",
    'SELECT "commit" FROM t',
    'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$',
    'DO $body$ BEGIN PERFORM 1; COMMIT; END $body$',
    'CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 END; SELECT 2; END',
    'SAVEPOINT a; ROLLBACK TO SAVEPOINT a; ROLLBACK TRANSACTION TO a; RELEASE a',
    '-- COMMIT\nSELECT 1 -- ; COMMIT',
  ])('allows %j', (text) => {
    expect(transactionControlStatement(text)).toBeUndefined();
  });
});
