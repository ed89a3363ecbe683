/** SQL text for values the runner writes itself (ids, checksums, file names): quoted, never interpolated raw. */
export function sqlLiteral(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  // standard_conforming_strings is on in every supported server: only the quote needs doubling.
  return `'${value.replace(/'/g, "''")}'`;
}
