// The CLI bundle's kysely as a module of its own (scripts/build.mjs): what revisions import when the bundle runs them.
export * from 'kysely';
