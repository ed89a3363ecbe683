import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine, type Row } from './dataset.js';

const CHUNK_BYTES = 1 << 20;

/** Streams rows into one table with COPY … FROM STDIN (text format), in 1 MB chunks, with back-pressure. */
export class CopyWriter {
  private buffer: string[] = [];
  private bufferedBytes = 0;
  rows = 0;

  private constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly done: Promise<void>,
  ) {}

  static open(client: pg.Client, table: string, columns: readonly string[]): CopyWriter {
    const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    const input = new PassThrough({ highWaterMark: CHUNK_BYTES * 4 });
    return new CopyWriter(input, pipeline(input, stream));
  }

  async write(row: Row): Promise<void> {
    const line = copyLine(row);
    this.buffer.push(line);
    this.bufferedBytes += line.length;
    this.rows += 1;
    if (this.bufferedBytes >= CHUNK_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bufferedBytes = 0;
    if (!this.stream.write(chunk)) await Promise.race([once(this.stream, 'drain'), this.done]);
  }

  async end(): Promise<number> {
    if (this.bufferedBytes > 0) await this.flush();
    this.stream.end();
    await this.done;
    return this.rows;
  }
}
