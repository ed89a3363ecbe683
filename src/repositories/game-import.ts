/**
 * Bulk import of games from CSV with COPY: streamed (the file is never held in memory), progress
 * reported, every bad row reported with its line number, and all or nothing (one transaction; a
 * single bad row imports nothing).
 *
 * Rows are checked as they stream (same rules as upsertGame), good rows go through COPY into a
 * temporary table, duplicates inside the file are found there, and moveIntoGames moves them into
 * games (docs/bulk-paths.md).
 */
import { Transform, type Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError } from 'csv-parse';
import type pg from 'pg';
import { DatabaseError } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataError, mapDatabaseError } from './database-errors.js';
import { checkGameInput, type GameInput } from './games.repository.js';
import { plural } from '../plural.js';

export const IMPORT_COLUMNS = [
  'igdb_id', 'title', 'hltb_id', 'steam_app_id', 'description', 'cover_image_id', 'release_date', 'main_story', 'main_extra', 'completionist',
] as const;
const INTEGER_COLUMNS = new Set(['igdb_id', 'hltb_id', 'steam_app_id', 'main_story', 'main_extra', 'completionist']);
/** Bad rows listed in the error (all are counted). */
export const MAX_BAD_ROWS_LISTED = 100;

export interface ImportProgress {
  rows: number;
  bytes: number;
}

export interface BadRow {
  line: number;
  field?: string;
  message: string;
}

export interface ImportResult {
  rows: number;
  inserted: number;
  /** Existing games (same igdb_id) whose values changed; an existing game without a change is not written. */
  updated: number;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Rows between two progress reports. */
  progressEvery?: number;
  /** The file's text encoding (a WHATWG label, e.g. windows-1252); default utf-8. */
  encoding?: string;
}

type CsvRecord = { record: Record<string, string>; info: { lines: number; bytes: number }; raw: string };

/**
 * Imports a CSV (header line naming IMPORT_COLUMNS; igdb_id and title required) on `client`, which
 * must not be inside a transaction: the import is its own transaction.
 */
export async function importGamesCsv(client: pg.ClientBase, input: Readable, options: ImportOptions = {}): Promise<ImportResult> {
  const badRows: BadRow[] = [];
  let badCount = 0;
  const reportBad = (row: BadRow): void => {
    badCount += 1;
    if (badRows.length < MAX_BAD_ROWS_LISTED) badRows.push(row);
  };
  let rows = 0;
  let headerSeen = false;
  const every = options.progressEvery ?? 1000;
  const decode = strictTextDecoder(options.encoding ?? 'utf-8');

  await client.query('BEGIN');
  try {
    await client.query(
      `CREATE TEMPORARY TABLE games_import (
         line integer NOT NULL, igdb_id integer NOT NULL, title varchar(255) NOT NULL, hltb_id integer, steam_app_id integer,
         description text, cover_image_id varchar(50), release_date date, main_story integer, main_extra integer, completionist integer
       ) ON COMMIT DROP`,
    );
    const parser = parse({
      columns: (header: string[]) => {
        headerSeen = true;
        return checkHeader(header);
      },
      info: true,
      raw: true,
      bom: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    });
    parser.on('skip', (error: CsvError) => {
      rows += 1;
      reportBad({ line: Number(error.lines ?? 0), message: error.message });
    });
    const toCopyRows = new Transform({
      objectMode: true,
      transform(chunk: CsvRecord, _encoding, done) {
        // A quoted field may span lines: the record starts where its raw text's first line is.
        const line = chunk.info.lines - (chunk.raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0);
        rows += 1;
        if (rows % every === 0) options.onProgress?.({ rows, bytes: chunk.info.bytes });
        try {
          const game = checkGameInput(toGameInput(chunk.record));
          done(null, csvLine([line, ...IMPORT_COLUMNS.map((column) => game[column] ?? null)]));
        } catch (error) {
          if (!(error instanceof DataError)) return done(error as Error);
          reportBad({ line, field: error.field, message: error.message });
          done();
        }
      },
    });
    await pipeline(input, decode, parser, toCopyRows, client.query(copyFrom(`COPY games_import (line, ${IMPORT_COLUMNS.join(', ')}) FROM STDIN (FORMAT csv)`)));
    if (!headerSeen) {
      throw new DataError('E_VALIDATION', 'The CSV is empty: it has no header line, so no rows; nothing was imported.', {
        field: 'header',
        hint: `Give a CSV whose first line names the columns (igdb_id,title at least; all: ${IMPORT_COLUMNS.join(',')}).`,
      });
    }
    if (rows % every !== 0) options.onProgress?.({ rows, bytes: parser.info.bytes });

    const duplicates = await client.query<{ igdb_id: number; lines: number[] }>(
      `SELECT igdb_id, array_agg(line ORDER BY line) AS lines FROM games_import GROUP BY igdb_id HAVING count(*) > 1 ORDER BY min(line)`,
    );
    for (const duplicate of duplicates.rows) {
      for (const line of duplicate.lines.slice(1)) {
        reportBad({ line, field: 'igdb_id', message: `igdb_id ${duplicate.igdb_id} already appears on line ${duplicate.lines[0]}` });
      }
    }
    if (badCount > 0) {
      badRows.sort((a, b) => a.line - b.line);
      throw new DataError('E_VALIDATION', `${plural(badCount, 'bad row')} of ${rows}; nothing was imported. ${badRows.slice(0, 5).map(describeBadRow).join('; ')}`, {
        field: badRows[0]?.field,
        hint: 'Fix the rows listed (line numbers count the header as line 1) and import again.',
        data: { badRows, badCount },
      });
    }
    const { inserted, updated } = await moveIntoGames(client);
    await client.query('COMMIT');
    return { rows, inserted, updated };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw mapDatabaseError(error);
  }
}

/** Encodings in which a line break is the byte 0x0A and never part of another character. */
function isAsciiCompatible(decoder: TextDecoder): boolean {
  return !decoder.encoding.startsWith('utf-16');
}

/**
 * Bytes to text, refusing what the encoding cannot decode instead of replacing it with U+FFFD:
 * the error names the first bad line (the header is line 1). Text is decoded a whole line at a
 * time (up to the chunk's last line break), so a multi-byte character split between two chunks
 * decodes, and a bad line is found by decoding the failed lines one by one.
 */
export function strictTextDecoder(encoding: string): Transform {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new DataError('E_VALIDATION', `Unknown text encoding "${encoding}".`, {
      field: 'encoding',
      hint: 'Name an encoding such as utf-8, windows-1252 or iso-8859-15 (WHATWG labels).',
    });
  }
  if (!isAsciiCompatible(decoder)) {
    throw new DataError('E_VALIDATION', `Encoding "${encoding}" is not supported for CSV import.`, {
      field: 'encoding',
      hint: 'Convert the file to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8.',
    });
  }
  const label = decoder.encoding;
  let carry: Buffer = Buffer.alloc(0);
  let linesBefore = 0;
  let first = true;
  const decodeLines = (bytes: Buffer): string => {
    // A fresh decoder per block of whole lines; only the file's first block may start with a BOM.
    const text = decodeOrFindBadLine(bytes, label, first, linesBefore);
    first = false;
    for (const byte of bytes) if (byte === 0x0a) linesBefore += 1;
    return text;
  };
  return new Transform({
    readableObjectMode: false,
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, done) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const end = bytes.lastIndexOf(0x0a) + 1;
      carry = bytes.subarray(end);
      try {
        done(null, end > 0 ? decodeLines(bytes.subarray(0, end)) : undefined);
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        done(null, carry.length > 0 ? decodeLines(carry) : undefined);
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

function decodeOrFindBadLine(bytes: Buffer, encoding: string, atStart: boolean, linesBefore: number): string {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: !atStart }).decode(bytes);
  } catch {
    let start = 0;
    for (let line = linesBefore + 1; start < bytes.length; line += 1) {
      const end = bytes.indexOf(0x0a, start);
      const stop = end < 0 ? bytes.length : end + 1;
      try {
        new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start, stop));
      } catch {
        throw new DataError('E_VALIDATION', `line ${line}: bytes that are not valid ${encoding} text; nothing was imported.`, {
          field: 'encoding',
          hint: `Convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8), or name its encoding: import-games --encoding windows-1252 <file>.`,
          data: { line, encoding },
        });
      }
      start = stop;
    }
    throw new DataError('E_VALIDATION', `bytes that are not valid ${encoding} text; nothing was imported.`, { field: 'encoding' });
  }
}

const CHANGED_COLUMNS = IMPORT_COLUMNS.filter((column) => column !== 'igdb_id');
/**
 * The GIN indexes of games. idx_games_title_search keeps a pending list (fastupdate): new rows'
 * entries go there, merged every gin_pending_list_limit (4 MB); the import merges what is left at
 * the end, so no query scans a pending list afterwards. A larger limit for the import, merged once,
 * measured no faster (bench/import-games-gin.ts, docs/bulk-paths.md). idx_games_search_keys has
 * none (fastupdate off, revision 016): its entries go straight into the tree, and the merge finds
 * nothing there.
 */
const GIN_INDEXES = ['idx_games_search_keys', 'idx_games_title_search'];

/**
 * games_import → games. Existing games are updated only where a value differs, new ones are
 * inserted by one plain INSERT … SELECT (an anti-join on igdb_id: no speculative insertion per
 * row), and the GIN entries still pending are merged into both indexes at the end.
 * A game with the same igdb_id committed by someone else between the anti-join and the insert
 * makes the plain INSERT fail on games_igdb_id_key: the statements are then undone (savepoint)
 * and redone as one INSERT … ON CONFLICT DO UPDATE, which is correct under any concurrency.
 */
async function moveIntoGames(client: pg.ClientBase): Promise<{ inserted: number; updated: number }> {
  await client.query('SAVEPOINT games_import_move');
  let moved: { inserted: number; updated: number };
  try {
    const updated = await client.query(
      `UPDATE games g SET ${CHANGED_COLUMNS.map((column) => `${column} = s.${column}`).join(', ')}
         FROM games_import s
        WHERE g.igdb_id = s.igdb_id
          AND (${CHANGED_COLUMNS.map((column) => `g.${column}`).join(', ')}) IS DISTINCT FROM (${CHANGED_COLUMNS.map((column) => `s.${column}`).join(', ')})`,
    );
    const inserted = await client.query(
      `INSERT INTO games (${IMPORT_COLUMNS.join(', ')})
       SELECT ${IMPORT_COLUMNS.join(', ')} FROM games_import s
        WHERE NOT EXISTS (SELECT FROM games g WHERE g.igdb_id = s.igdb_id)
        ORDER BY line`,
    );
    moved = { inserted: inserted.rowCount ?? 0, updated: updated.rowCount ?? 0 };
  } catch (error) {
    if (!(error instanceof DatabaseError && error.constraint === 'games_igdb_id_key')) throw error;
    await client.query('ROLLBACK TO SAVEPOINT games_import_move');
    moved = await upsertFromStaging(client);
  }
  // Merging needs ownership of the index (as VACUUM does); a role without it leaves the merge to autovacuum.
  await client.query(
    `SELECT gin_clean_pending_list(c.oid) FROM pg_class c
      WHERE c.oid IN (SELECT to_regclass(name) FROM unnest($1::text[]) AS name) AND pg_has_role(c.relowner, 'USAGE')`,
    [GIN_INDEXES],
  );
  return moved;
}

/** The concurrent-safe fallback: every staged row through ON CONFLICT, unchanged rows skipped. */
async function upsertFromStaging(client: pg.ClientBase): Promise<{ inserted: number; updated: number }> {
  const result = await client.query<{ inserted: number; updated: number }>(
    `WITH upserted AS (
       INSERT INTO games (${IMPORT_COLUMNS.join(', ')})
       SELECT ${IMPORT_COLUMNS.join(', ')} FROM games_import ORDER BY line
       ON CONFLICT ON CONSTRAINT games_igdb_id_key DO UPDATE SET ${CHANGED_COLUMNS.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}
       WHERE (${CHANGED_COLUMNS.map((column) => `games.${column}`).join(', ')}) IS DISTINCT FROM (${CHANGED_COLUMNS.map((column) => `EXCLUDED.${column}`).join(', ')})
       RETURNING (xmax = 0) AS inserted
     )
     SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM upserted`,
  );
  return result.rows[0] ?? { inserted: 0, updated: 0 };
}

function checkHeader(header: string[]): string[] {
  const known = new Set<string>(IMPORT_COLUMNS);
  const unknown = header.filter((name) => !known.has(name));
  const missing = ['igdb_id', 'title'].filter((name) => !header.includes(name));
  if (unknown.length > 0 || missing.length > 0) {
    throw new DataError('E_VALIDATION', `line 1: the header ${[unknown.length ? `has unknown column(s) ${unknown.join(', ')}` : '', missing.length ? `lacks ${missing.join(', ')}` : ''].filter(Boolean).join(' and ')}; columns are ${IMPORT_COLUMNS.join(', ')}`, { field: 'header' });
  }
  return header;
}

/** CSV strings to a GameInput: an empty field is NULL, integer columns must be integers. */
function toGameInput(record: Record<string, string>): GameInput {
  const values: Record<string, unknown> = {};
  for (const [column, text] of Object.entries(record)) {
    if (text === '') values[column] = null;
    else if (INTEGER_COLUMNS.has(column)) values[column] = /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    else values[column] = text;
  }
  return values as unknown as GameInput;
}

/** One CSV line: NULL unquoted and empty, every other value quoted (COPY's CSV format, and the import's). */
export function csvLine(values: unknown[]): string {
  return `${values.map((value) => (value === null ? '' : `"${String(value).replace(/"/g, '""')}"`)).join(',')}\n`;
}

function describeBadRow(row: BadRow): string {
  return `line ${row.line}: ${row.message}`;
}
