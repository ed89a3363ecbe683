/** Polls until `check` returns a value (not undefined/false), or fails after `limitMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, limitMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > limitMs) throw new Error(`gave up waiting for ${what} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
