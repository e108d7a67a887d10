/**
 * Watches a local repository's refs with chokidar so a local commit starts a round at once:
 * refs/heads/<branch>, packed-refs and logs/refs/heads/<branch>. Events for other refs (the
 * status branch the controller writes) are ignored. The only chokidar user of the controller.
 */
import { join } from "node:path";
import { watch, type FSWatcher } from "chokidar";

/** Calls `onChange` (debounced) when `branch` may have moved in the repository at `gitdir`; resolves once watching. */
export async function watchBranchRefs(o: { gitdir: string; branch: string; onChange: () => void; debounceMs?: number }): Promise<() => Promise<void>> {
  const wanted = new Set([join(o.gitdir, "refs", "heads", o.branch), join(o.gitdir, "packed-refs"), join(o.gitdir, "logs", "refs", "heads", o.branch)]);
  const watcher: FSWatcher = watch([join(o.gitdir, "refs", "heads"), join(o.gitdir, "packed-refs"), join(o.gitdir, "logs", "refs", "heads")], {
    ignoreInitial: true,
    depth: 8,
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on("all", (_event, path) => {
    if (!wanted.has(path)) return;
    clearTimeout(timer);
    timer = setTimeout(o.onChange, o.debounceMs ?? 10);
  });
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return async () => {
    clearTimeout(timer);
    await watcher.close();
  };
}
