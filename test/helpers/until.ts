/** Waiting on a condition in a test: never a fixed sleep (a flaky test fails a landing). */

/** Polls `pred` every `everyMs` (default 100) until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
