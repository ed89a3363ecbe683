/**
 * A phase of a long command (building a scratch database, running squawk, …): the CLI shows it on a
 * terminal with its time (Output.phase); everywhere else it just runs.
 */
export type Phase = <T>(label: string, work: () => Promise<T>) => Promise<T>;

export const runSilently: Phase = (_label, work) => work();
