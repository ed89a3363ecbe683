import { capitalize, Vocabulary } from './vocabulary.js';
import { cumulativeWeights, Random } from './random.js';
import { countsPerUser } from './skew.js';

/** Bump when the generated rows change: a loaded data set of another version is reloaded. */
export const GENERATOR_VERSION = 1;
const SEED = 773_413_995;

export type SizeName = 'small' | 'medium' | 'full' | 'dense';

export interface DatasetSize {
  name: SizeName;
  games: number;
  users: number;
  collectionRows: number;
  /** Each user has as many playthroughs as collection rows, so the totals are equal. */
  playthroughs: number;
  heaviestUser: number;
  p999User: number;
  /**
   * 'dense': another vocabulary for the same shape of catalogue: 500 filler words instead of
   * 30,000 (many ties, every filler word in ~8 % of descriptions) and the word "game" in every
   * description, so that no search design passes by luck of the vocabulary.
   */
  vocabulary?: 'dense';
}

export const SIZES: Record<SizeName, DatasetSize> = {
  small: { name: 'small', games: 10_000, users: 1_000, collectionRows: 25_000, playthroughs: 25_000, heaviestUser: 540, p999User: 270 },
  /** A tenth of full: how a query's cost grows with the catalogue (search: 100k vs 1M games). */
  medium: { name: 'medium', games: 100_000, users: 10_000, collectionRows: 250_000, playthroughs: 250_000, heaviestUser: 5_400, p999User: 800 },
  full: { name: 'full', games: 1_000_000, users: 100_000, collectionRows: 2_500_000, playthroughs: 2_500_000, heaviestUser: 54_000, p999User: 800 },
  dense: { name: 'dense', games: 1_000_000, users: 100_000, collectionRows: 2_500_000, playthroughs: 2_500_000, heaviestUser: 54_000, p999User: 800, vocabulary: 'dense' },
};

/** A million games: the benchmarks take their full-size bounds and run counts. */
export const isFullScale = (size: DatasetSize): boolean => size.games >= 1_000_000;

export const PLATFORMS = ['PS5', 'Steam', 'Switch', 'Xbox', 'PS4', 'PC', 'Epic', 'GOG'] as const;
const PLATFORM_WEIGHTS = cumulativeWeights([30, 28, 18, 12, 5, 4, 2, 1]);
const ACQUISITION_TYPES = ['PHYSICAL', 'DIGITAL', 'SUBSCRIPTION', 'BORROWED', 'RENTAL'] as const;
const ACQUISITION_WEIGHTS = cumulativeWeights([20, 60, 12, 5, 3]);
export const STATUSES = ['PLANNING', 'PLAYING', 'COMPLETED', 'DROPPED', 'ON_HOLD', 'MASTERED'] as const;
const STATUS_WEIGHTS = cumulativeWeights([35, 12, 30, 10, 8, 5]);
const PLAYTHROUGH_TYPES = ['First Run', 'NG+', 'Speedrun', '100%', 'Co-op'] as const;
const DIFFICULTIES = ['Easy', 'Normal', 'Hard', 'Very Hard'] as const;
/** All generated times lie before this instant (ck_acquired_not_future). */
const EPOCH_END = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

export const GAME_COLUMNS = ['id', 'igdb_id', 'hltb_id', 'steam_app_id', 'title', 'description', 'cover_image_id', 'release_date', 'main_story', 'main_extra', 'completionist', 'created_at', 'updated_at'] as const;
export const COLLECTION_COLUMNS = ['id', 'user_id', 'game_id', 'platform', 'acquisition_type', 'acquired_at', 'priority', 'is_active', 'notes', 'created_at', 'updated_at'] as const;
export const PLAYTHROUGH_COLUMNS = ['id', 'user_id', 'game_id', 'collection_id', 'status', 'platform', 'started_at', 'completed_at', 'play_time_hours', 'playthrough_type', 'difficulty', 'rating', 'notes', 'created_at', 'updated_at'] as const;

/** One row as COPY text fields; null is \N. */
export type Row = Array<string | number | boolean | null>;

/**
 * A UUID that depends only on (namespace, a, b) and is unique by construction: a and b are written
 * into it; a hash of them leads, so that keys spread over the index as gen_random_uuid()'s do.
 */
export function stableUuid(namespace: number, a: number, b: number): string {
  const spread = fmix32(fmix32(Math.imul(namespace, 0x9e3779b1) ^ a) ^ b ^ Math.floor(b / 2 ** 32));
  const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');
  return `${hex(spread, 8)}-${hex(namespace, 4)}-4${hex(Math.floor(a / 4096) % 4096, 3)}-${hex(0x8000 + (a % 4096), 4)}-${hex(b, 12)}`;
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const GAME_NS = 1;
const USER_NS = 2;
const COLLECTION_NS = 3;
const PLAYTHROUGH_NS = 4;

export const gameId = (index: number): string => stableUuid(GAME_NS, 0, index);
export const userId = (index: number): string => stableUuid(USER_NS, 0, index);

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The catalogue and the users of one size; every row comes out the same on every run. */
export class Dataset {
  readonly vocabulary: Vocabulary;
  /** Collection rows per user index (user 0 is the heaviest). */
  readonly countsByUser: number[];

  constructor(readonly size: DatasetSize) {
    this.vocabulary = new Vocabulary(size.vocabulary === 'dense' ? 500 : 30_000);
    this.countsByUser = countsPerUser({
      users: size.users,
      totalRows: size.collectionRows,
      median: 14,
      p999: size.p999User,
      heaviest: size.heaviestUser,
    });
  }

  game(index: number): Row {
    const random = new Random(fmix32(SEED ^ index));
    const words = this.vocabulary;
    let title = Array.from({ length: 1 + random.int(3) }, () => capitalize(words.theme(random))).join(' ');
    if (random.chance(0.3)) title += `: ${Array.from({ length: 2 + random.int(4) }, () => capitalize(words.word(random))).join(' ')}`;
    if (random.chance(0.03)) {
      while (title.length < 180) title += ` ${capitalize(words.word(random))}`;
    }
    if (random.chance(0.1)) title += ` ${random.between(2, 7)}`;
    const descriptionWords = random.chance(0.05) ? random.between(250, 400) : Math.round(Math.exp(Math.log(45) + 0.5 * random.normal()));
    const description = `${this.size.vocabulary === 'dense' ? 'game ' : ''}${Array.from({ length: Math.max(5, descriptionWords) }, () => words.word(random)).join(' ')}`;
    const mainStory = random.chance(0.8) ? random.between(2, 80) : null;
    const released = EPOCH_END - random.int(40 * 365) * DAY;
    const created = EPOCH_END - random.int(900) * DAY;
    return [
      gameId(index),
      random.chance(0.9) ? 1_000_000 + index : null,
      random.chance(0.6) ? 2_000_000 + index : null,
      random.chance(0.4) ? 3_000_000 + index : null,
      title.slice(0, 255),
      random.chance(0.02) ? null : description,
      `co${(index * 7919).toString(36)}`,
      new Date(released).toISOString().slice(0, 10),
      mainStory,
      mainStory === null ? null : mainStory + random.between(1, 40),
      mainStory === null ? null : mainStory + random.between(20, 150),
      isoTime(created),
      isoTime(created + random.int(100) * DAY),
    ];
  }

  /** A popular game more often than an obscure one. */
  private popularGame(random: Random): number {
    return Math.floor(this.size.games * random.next() ** 2.2);
  }

  /** The collection rows and playthroughs of one user. */
  userRows(userIndex: number): { collection: Row[]; playthroughs: Row[] } {
    const random = new Random(fmix32(SEED ^ Math.imul(userIndex + 1, 40503)));
    const user = userId(userIndex);
    const count = this.countsByUser[userIndex]!;
    const owned = new Set<string>();
    const collection: Row[] = [];
    const links: Array<{ id: string; game: number; platform: string }> = [];
    while (collection.length < count) {
      const game = this.popularGame(random);
      const platform = random.weighted(PLATFORMS, PLATFORM_WEIGHTS);
      const key = `${game}/${platform}`;
      if (owned.has(key)) continue;
      owned.add(key);
      const id = stableUuid(COLLECTION_NS, userIndex, collection.length);
      const acquired = EPOCH_END - (1 + random.int(3000)) * DAY - random.int(DAY);
      collection.push([
        id,
        user,
        gameId(game),
        platform,
        random.weighted(ACQUISITION_TYPES, ACQUISITION_WEIGHTS),
        isoTime(acquired),
        random.chance(0.6) ? random.between(1, 5) : null,
        random.chance(0.95),
        random.chance(0.1) ? `Notes: ${Array.from({ length: random.between(3, 20) }, () => this.vocabulary.word(random)).join(' ')}` : null,
        isoTime(acquired),
        isoTime(acquired + random.int(200) * DAY),
      ]);
      links.push({ id, game, platform });
    }
    const playthroughs: Row[] = [];
    for (let index = 0; index < count; index += 1) {
      const linked = random.chance(0.8) ? random.pick(links) : undefined;
      const game = linked?.game ?? this.popularGame(random);
      const status = random.weighted(STATUSES, STATUS_WEIGHTS);
      const started = status === 'PLANNING' ? null : EPOCH_END - (2 + random.int(2000)) * DAY;
      const finished = status === 'COMPLETED' || status === 'MASTERED';
      const completed = finished && started !== null ? Math.min(EPOCH_END - DAY, started + (1 + random.int(120)) * DAY) : null;
      const updated = (completed ?? started ?? EPOCH_END - random.int(1000) * DAY) + random.int(DAY);
      playthroughs.push([
        stableUuid(PLAYTHROUGH_NS, userIndex, index),
        user,
        gameId(game),
        linked?.id ?? null,
        status,
        linked?.platform ?? random.weighted(PLATFORMS, PLATFORM_WEIGHTS),
        started === null ? null : isoTime(started),
        completed === null ? null : isoTime(completed),
        status === 'PLANNING' ? null : (random.int(20_000) / 100).toFixed(2),
        random.pick(PLAYTHROUGH_TYPES),
        random.pick(DIFFICULTIES),
        finished && random.chance(0.7) ? random.between(1, 10) : null,
        random.chance(0.05) ? this.vocabulary.word(random) : null,
        isoTime(started ?? updated - DAY),
        isoTime(updated),
      ]);
    }
    return { collection, playthroughs };
  }
}

/** A row in COPY's text format (no generated value contains a tab, newline or backslash). */
export function copyLine(row: Row): string {
  return `${row.map((value) => (value === null ? '\\N' : value === true ? 't' : value === false ? 'f' : String(value))).join('\t')}\n`;
}
