import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { PlayLaterError, messageOf } from '../errors.js';

export interface DeclaredFile {
  file: string;
  sql: string;
}

/**
 * The declared head schema: the *.sql files of one folder, in name order (the numeric prefixes
 * put tables before what references them). Plain SQL, so the declaration reads like the database
 * and needs no translation layer; see README, "Schema as code".
 */
export function readDeclaredSchema(schemaDir: string): DeclaredFile[] {
  if (!existsSync(schemaDir)) {
    throw new PlayLaterError('E_CONFIG', `The declared schema folder ${schemaDir} does not exist.`, {
      hint: 'Set schemaDir (flag --schema-dir, PLAY_LATER_SCHEMA_DIR or the config file) to the folder holding the *.sql declaration.',
    });
  }
  const files = readdirSync(schemaDir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ file: path.join(schemaDir, name), sql: readFileSync(path.join(schemaDir, name), 'utf8') }));
  if (files.length === 0) {
    throw new PlayLaterError('E_CONFIG', `The declared schema folder ${schemaDir} holds no .sql file.`, {
      hint: 'Declare the head schema there (CREATE TABLE …, CREATE INDEX …, CREATE FUNCTION …), one or more .sql files.',
    });
  }
  return files;
}

/** Builds the declaration in an (empty, scratch) database, all files in one transaction. */
export async function applyDeclaredSchema(client: pg.Client, files: readonly DeclaredFile[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const { file, sql } of files) {
      try {
        await client.query(sql);
      } catch (error) {
        throw declarationError(file, sql, error);
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function declarationError(file: string, sql: string, error: unknown): PlayLaterError {
  const position = Number((error as { position?: string }).position);
  const line = Number.isFinite(position) && position > 0 ? sql.slice(0, position - 1).split('\n').length : undefined;
  return new PlayLaterError('E_SCHEMA_DECLARATION', `${file}${line ? `:${line}` : ''}: ${messageOf(error)}`, {
    cause: error,
    hint: 'Fix that statement of the declared schema (files run in name order: declare what a statement references in an earlier file).',
    data: { file, line, sqlState: (error as { code?: string }).code },
  });
}
