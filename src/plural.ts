/** `1 game`, `2 games`, `0 games`: a count with its noun, for every message that counts. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
