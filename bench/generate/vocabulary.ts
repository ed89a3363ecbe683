import { cumulativeWeights, Random } from './random.js';

/**
 * Words of the generated catalogue. Theme words are drawn with a Zipf skew, so the first ones are
 * common (a two-word phrase of them matches thousands of games, as real searches like
 * "dark souls" do); filler words are many and rare, like the long tail of real descriptions.
 * The order of THEME_WORDS is part of the data set: bench/hot-queries/search-phrases.json relies on it.
 */
export const THEME_WORDS = [
  'dark', 'legend', 'space', 'war', 'world', 'quest', 'shadow', 'kingdom', 'dragon', 'city',
  'racing', 'island', 'star', 'tales', 'hero', 'battle', 'souls', 'lost', 'empire', 'night',
  'knight', 'dungeon', 'galaxy', 'ninja', 'zombie', 'pirate', 'castle', 'forest', 'rising', 'storm',
  'fire', 'ice', 'blood', 'iron', 'crystal', 'ancient', 'final', 'fantasy', 'chronicles', 'odyssey',
  'mystery', 'tactics', 'arena', 'survival', 'horizon', 'frontier', 'rebellion', 'saga', 'warrior', 'hunter',
  'ghost', 'robot', 'mech', 'planet', 'ocean', 'desert', 'mountain', 'temple', 'tower', 'academy',
  'farm', 'village', 'detective', 'samurai', 'viking', 'wizard', 'witch', 'demon', 'angel', 'titan',
  'cyber', 'neon', 'pixel', 'retro', 'turbo', 'super', 'mega', 'ultra', 'hyper', 'infinite',
  'eternal', 'forgotten', 'broken', 'silent', 'golden', 'silver', 'crimson', 'azure', 'emerald', 'obsidian',
  'puzzle', 'platformer', 'roguelike', 'strategy', 'simulator', 'adventure', 'shooter', 'stealth', 'open', 'craft',
  'monster', 'beast', 'spirit', 'soul', 'heart', 'crown', 'throne', 'sword', 'shield', 'arrow',
  'journey', 'escape', 'rescue', 'revenge', 'destiny', 'fate', 'dream', 'nightmare', 'echo', 'memory',
  'winter', 'summer', 'autumn', 'spring', 'sun', 'moon', 'sky', 'sea', 'river', 'valley',
  'dawn', 'dusk', 'twilight', 'eclipse', 'nova', 'comet', 'orbit', 'void', 'abyss', 'realm',
  'chaos', 'order', 'alliance', 'legion', 'clan', 'tribe', 'guild', 'squad', 'crew', 'league',
] as const;

const SYLLABLES = [
  'ka', 'lo', 'mi', 'ren', 'dar', 'vel', 'tho', 'qui', 'zan', 'bre', 'mor', 'sil', 'tra', 'gol', 'fen', 'nar',
  'pel', 'cor', 'dun', 'wyn', 'hal', 'ost', 'rik', 'sa', 'ten', 'ul', 'vor', 'yel', 'bax', 'cim', 'dro', 'esk',
  'fir', 'gan', 'hob', 'ith', 'jor', 'kel', 'lum', 'mab', 'nox', 'orr', 'pim', 'qua', 'rud', 'sep', 'tov', 'urm',
];

export class Vocabulary {
  readonly filler: string[];
  private readonly themeCumulative: number[];

  /** `fillerWords`: how many long-tail words (30,000; the dense data set has 500). */
  constructor(fillerWords = 30_000) {
    const random = new Random(20240315);
    const seen = new Set<string>(THEME_WORDS);
    this.filler = [];
    while (this.filler.length < fillerWords) {
      let word = '';
      const syllables = 2 + random.int(3);
      for (let i = 0; i < syllables; i += 1) word += random.pick(SYLLABLES);
      if (!seen.has(word)) {
        seen.add(word);
        this.filler.push(word);
      }
    }
    this.themeCumulative = cumulativeWeights(THEME_WORDS.map((_, rank) => 1 / (rank + 1)));
  }

  theme(random: Random): string {
    return random.weighted(THEME_WORDS, this.themeCumulative);
  }

  /** A description word: mostly the long tail, sometimes a theme word. */
  word(random: Random): string {
    return random.chance(0.04) ? this.theme(random) : random.pick(this.filler);
  }
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
