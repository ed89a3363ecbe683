import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completePlaythrough,
  listPlaythroughs,
  playthroughSummary,
  startPlaythrough,
  updatePlaythrough,
} from '../../src/repositories/playthroughs.repository.js';
import { createRepositoryTestDatabase, rejection, someGame, type RepositoryTestDatabase } from '../support/repository-database.js';

let t: RepositoryTestDatabase;
let hades: string;
let celeste: string;
beforeAll(async () => {
  t = await createRepositoryTestDatabase();
  hades = await someGame(t.db, 8001, 'Hades', 22);
  celeste = await someGame(t.db, 8002, 'Celeste', 8);
});
afterAll(async () => t.close());

describe('playthroughs repository', () => {
  it('starts, updates and completes a playthrough with rating and play time', async () => {
    const startedAt = new Date('2024-02-01T10:00:00Z');
    const started = await startPlaythrough(t.db, { user_id: 'erin', game_id: hades, platform: 'Switch', started_at: startedAt, difficulty: 'Hell Mode' });
    expect(started).toMatchObject({ status: 'PLAYING', started_at: startedAt, difficulty: 'Hell Mode', completed_at: null });
    const updated = await updatePlaythrough(t.db, { userId: 'erin', id: started.id }, { play_time_hours: 10.5, notes: 'Meg down' });
    expect(updated).toMatchObject({ play_time_hours: '10.50', notes: 'Meg down' });
    t.sent.length = 0;
    const completedAt = new Date('2024-03-01T10:00:00Z');
    const done = await completePlaythrough(t.db, { userId: 'erin', id: started.id }, { play_time_hours: 33.25, rating: 9, completed_at: completedAt });
    expect(t.sent).toEqual([
      'begin',
      "SELECT NULLIF(current_setting($1, true), '') AS previous, CASE WHEN COALESCE(NULLIF(current_setting($2, true), ''), $3) = $4 THEN set_config($5, $6, true) END AS acting",
      'update "game_playthrough" set "status" = $1, "play_time_hours" = $2, "rating" = $3, "completed_at" = $4 where "id" = $5 and "user_id" = $6 returning *',
      'SELECT refresh_user_stats($1)',
      'commit',
    ]);
    expect(done).toMatchObject({ status: 'COMPLETED', play_time_hours: '33.25', rating: 9, completed_at: completedAt });
  });

  it('lists by status and platform, and reads the summary view', async () => {
    await startPlaythrough(t.db, { user_id: 'erin', game_id: celeste, platform: 'PC', status: 'PLANNING' });
    expect((await listPlaythroughs(t.db, 'erin', { status: 'PLANNING' })).map((p) => p.game_id)).toEqual([celeste]);
    expect((await listPlaythroughs(t.db, 'erin', { platform: 'Switch' })).map((p) => p.game_id)).toEqual([hades]);
    expect(await listPlaythroughs(t.db, 'erin', { platform: 'Xbox' })).toEqual([]);
    const [summary] = await playthroughSummary(t.db, 'erin', { status: 'COMPLETED' });
    // 33.25 h of a 22 h main story: 151.1 %; 29 days from start to completion.
    expect(summary).toMatchObject({ title: 'Hades', completion_percentage: '151.1', rating: 9 });
    expect(summary?.duration).toMatchObject({ days: 29 });
  });

  it('maps rule violations to typed errors naming the field', async () => {
    const started = await startPlaythrough(t.db, { user_id: 'frank', game_id: celeste, platform: 'PC', started_at: new Date('2024-05-01T00:00:00Z') });
    const key = { userId: 'frank', id: started.id };
    expect(await rejection(completePlaythrough(t.db, key, { play_time_hours: 5, rating: 11 }))).toMatchObject({ constraint: 'ck_rating_range', field: 'rating', message: 'rating must be between 1 and 10' });
    expect(await rejection(completePlaythrough(t.db, key, { play_time_hours: -1 }))).toMatchObject({ constraint: 'ck_positive_play_time', field: 'play_time_hours' });
    expect(await rejection(completePlaythrough(t.db, key, { play_time_hours: 1e7 }))).toMatchObject({ code: 'E_VALIDATION', field: 'play_time_hours' });
    expect(await rejection(completePlaythrough(t.db, key, { play_time_hours: 5, completed_at: new Date('2024-04-01T00:00:00Z') }))).toMatchObject({
      constraint: 'ck_completion_date_logic',
      message: 'completed_at must be after started_at',
    });
    expect(await rejection(updatePlaythrough(t.db, key, { status: 'FINISHED' as never }))).toMatchObject({ field: 'status' });
    expect(await rejection(updatePlaythrough(t.db, key, {}))).toMatchObject({ field: 'changes' });
    expect(await rejection(updatePlaythrough(t.db, { userId: 'erin', id: started.id }, { notes: 'x' }))).toMatchObject({ code: 'E_NOT_FOUND' });
    expect(await rejection(startPlaythrough(t.db, { user_id: 'frank', game_id: celeste, platform: 'PC', difficulty: 'd'.repeat(51) }))).toMatchObject({ field: 'difficulty' });
    expect(await rejection(startPlaythrough(t.db, { user_id: 'frank', game_id: celeste, platform: 'PC', collection_id: '00000000-0000-4000-8000-000000000000' }))).toMatchObject({
      code: 'E_NOT_FOUND',
      field: 'collection_id',
    });
    expect(await rejection(listPlaythroughs(t.db, 'frank', { limit: -1 }))).toMatchObject({ field: 'limit' });
    expect(await rejection(listPlaythroughs(t.db, '', {}))).toMatchObject({ field: 'user_id' });
  });
});
