/**
 * The demo data set: a few hundred games and a few users with collections and playthroughs,
 * generated from a fixed seed so every run (and every machine) produces exactly the same rows.
 * Titles and descriptions are made up from word lists; the shapes (platform mix, backlog sizes,
 * HowLongToBeat hours, ratings) are those of a real backlog app.
 */
import { createHash } from 'node:crypto';
import type { AcquisitionType } from '../repositories/collection.repository.js';
import type { GameInput } from '../repositories/games.repository.js';
import type { PlaythroughStatus } from '../repositories/playthroughs.repository.js';

export const DEMO_GAME_COUNT = 300;
/** Demo games use igdb_id from here on, far above real ones' current range. */
export const DEMO_IGDB_BASE = 9_000_000;
export const DEMO_USERS = [
  { id: 'demo-alice', games: 80, platforms: ['PS5', 'Steam', 'Switch'] },
  { id: 'demo-bob', games: 45, platforms: ['Steam', 'Xbox'] },
  { id: 'demo-carol', games: 30, platforms: ['Switch', 'PS5'] },
  { id: 'demo-dan', games: 12, platforms: ['Steam'] },
] as const;

const ADJECTIVES = ['Hollow', 'Crimson', 'Silent', 'Eternal', 'Forgotten', 'Iron', 'Shattered', 'Neon', 'Frozen', 'Wild', 'Last', 'Broken', 'Golden', 'Dark', 'Lost', 'Ancient', 'Stellar', 'Burning', 'Quiet', 'Savage'];
const NOUNS = ['Knight', 'Frontier', 'Kingdom', 'Horizon', 'Legacy', 'Odyssey', 'Citadel', 'Voyage', 'Tides', 'Echoes', 'Protocol', 'Harvest', 'Dynasty', 'Outpost', 'Requiem', 'Chronicle', 'Garden', 'Signal', 'Empire', 'Labyrinth'];
const SUFFIXES = ['', '', '', '', ' II', ' III', ': Reborn', ': Remastered', ": Director's Cut", ' Origins'];
const GENRES = [
  { name: 'action role-playing game', hours: [30, 80], text: 'Explore a ruined kingdom, fight knights and dragons, and level up a party of heroes' },
  { name: 'roguelike', hours: [15, 40], text: 'Fight through procedurally generated dungeons; every death makes you stronger' },
  { name: 'platformer', hours: [6, 15], text: 'Run, jump and climb through hand-drawn worlds full of secrets' },
  { name: 'space strategy game', hours: [40, 120], text: 'Build an empire among the stars, trade, research and wage war across the galaxy' },
  { name: 'racing game', hours: [10, 30], text: 'Race supercharged cars on tracks around the world and tune your garage' },
  { name: 'puzzle adventure', hours: [5, 12], text: 'Solve puzzles in a quiet, mysterious island and uncover its story' },
  { name: 'farming simulator', hours: [40, 90], text: 'Grow crops, raise animals and befriend a small village through the seasons' },
  { name: 'survival horror', hours: [8, 20], text: 'Survive a night in a haunted mansion with little ammunition and less hope' },
  { name: 'open-world shooter', hours: [20, 60], text: 'Take back a sprawling frontier from a ruthless faction, on foot or by vehicle' },
  { name: 'narrative adventure', hours: [4, 10], text: 'Make choices that shape a family story told across three generations' },
];
const ACQUISITIONS: AcquisitionType[] = ['DIGITAL', 'DIGITAL', 'DIGITAL', 'PHYSICAL', 'SUBSCRIPTION', 'BORROWED'];
const DIFFICULTIES = [null, 'Normal', 'Hard', 'Story'];

export interface DemoCollectionEntry {
  id: string;
  user_id: string;
  igdb_id: number;
  platform: string;
  acquisition_type: AcquisitionType;
  acquired_at: Date;
  priority: number | null;
  is_active: boolean;
  /** Fixed, like every other value, so last_activity in the stats is the same on every load. */
  created_at: Date;
  updated_at: Date;
}

export interface DemoPlaythrough {
  id: string;
  user_id: string;
  igdb_id: number;
  collection_id: string;
  platform: string;
  status: PlaythroughStatus;
  started_at: Date | null;
  completed_at: Date | null;
  play_time_hours: number | null;
  rating: number | null;
  difficulty: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface DemoDataSet {
  games: GameInput[];
  collection: DemoCollectionEntry[];
  playthroughs: DemoPlaythrough[];
}

export function demoDataSet(): DemoDataSet {
  const random = seededRandom(20240315);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

  const titles = new Set<string>();
  while (titles.size < DEMO_GAME_COUNT) titles.add(`${pick(ADJECTIVES)} ${pick(NOUNS)}${pick(SUFFIXES)}`);
  const games: GameInput[] = [...titles].map((title, index) => {
    const genre = pick(GENRES);
    const mainStory = between(genre.hours[0]!, genre.hours[1]!);
    return {
      igdb_id: DEMO_IGDB_BASE + index + 1,
      title,
      description: `A ${genre.name}. ${genre.text}.`,
      cover_image_id: `co${(DEMO_IGDB_BASE + index).toString(36)}`,
      release_date: `${between(2010, 2025)}-${String(between(1, 12)).padStart(2, '0')}-${String(between(1, 28)).padStart(2, '0')}`,
      main_story: mainStory,
      main_extra: Math.round(mainStory * 1.5),
      completionist: mainStory * 2 + between(0, 20),
    };
  });

  const collection: DemoCollectionEntry[] = [];
  const playthroughs: DemoPlaythrough[] = [];
  for (const user of DEMO_USERS) {
    const owned = new Set<number>();
    while (owned.size < user.games) owned.add(between(0, DEMO_GAME_COUNT - 1));
    for (const index of [...owned].sort((a, b) => a - b)) {
      const game = games[index] as GameInput;
      const acquiredAt = new Date(Date.UTC(between(2022, 2025), between(0, 11), between(1, 28), between(8, 22)));
      const entry: DemoCollectionEntry = {
        id: demoUuid(`collection:${user.id}:${game.igdb_id}`),
        user_id: user.id,
        igdb_id: game.igdb_id,
        platform: pick(user.platforms),
        acquisition_type: pick(ACQUISITIONS),
        acquired_at: acquiredAt,
        priority: random() < 0.7 ? between(1, 5) : null,
        is_active: random() > 0.05,
        created_at: acquiredAt,
        updated_at: acquiredAt,
      };
      collection.push(entry);
      const roll = random();
      if (roll < 0.35) continue; // owned, never started: the backlog
      const status: PlaythroughStatus = roll < 0.7 ? 'COMPLETED' : roll < 0.8 ? 'PLAYING' : roll < 0.88 ? 'PLANNING' : roll < 0.95 ? 'DROPPED' : 'ON_HOLD';
      const startedAt = status === 'PLANNING' ? null : new Date(acquiredAt.getTime() + between(1, 60) * 86_400_000);
      const done = status === 'COMPLETED';
      const completedAt = done && startedAt ? new Date(startedAt.getTime() + between(3, 90) * 86_400_000) : null;
      playthroughs.push({
        id: demoUuid(`playthrough:${user.id}:${game.igdb_id}`),
        user_id: user.id,
        igdb_id: game.igdb_id,
        collection_id: entry.id,
        platform: entry.platform,
        status,
        started_at: startedAt,
        completed_at: completedAt,
        play_time_hours: status === 'PLANNING' ? null : Math.round((game.main_story ?? 10) * (done ? 0.8 + random() * 0.8 : random() * 0.6) * 4) / 4,
        rating: done ? between(5, 10) : status === 'DROPPED' ? between(1, 5) : null,
        difficulty: pick(DIFFICULTIES),
        created_at: startedAt ?? acquiredAt,
        updated_at: completedAt ?? startedAt ?? acquiredAt,
      });
    }
  }
  return { games, collection, playthroughs };
}

/** mulberry32: small, fast, and the same numbers everywhere. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable UUID (version 4 layout) from a name, so a reload finds the same rows. */
function demoUuid(name: string): string {
  const hex = createHash('sha256').update(`play-later-demo:${name}`).digest('hex');
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
