import pg from 'pg';

/**
 * PostgreSQL's DATE (oid 1082) is a calendar day without a time zone. node-postgres turns it into
 * a JavaScript Date at local midnight, which prints one day early wherever the client is east of
 * UTC (TZ=Asia/Tokyo: 2024-03-15 becomes 2024-03-14T15:00:00Z). Every connection of this process
 * gets the day as stored instead, 'YYYY-MM-DD', whatever the client's time zone; the generated
 * types say `string` for DATE columns (kysely-codegen's dateParser 'string').
 * TIMESTAMPTZ stays a Date: it is an instant, correct in every zone.
 */
export const DATE_OID = 1082;

pg.types.setTypeParser(DATE_OID, (text: string) => text);
