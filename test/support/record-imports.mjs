// Loaded with `node --import`: appends every module the program resolves to the file named by
// RECORD_IMPORTS_FILE, so the start-up test can check what a command loads. The hook runs on its
// own thread; a synchronous append is complete before the import it records goes on.
import { register } from 'node:module';

const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RECORD_IMPORTS_FILE, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
