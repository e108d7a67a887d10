/**
 * Makes a manifests directory a git repository for `humops up`: when it is not one, `git
 * init` (branch main) and an initial commit of every file, with isomorphic-git.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import git from "isomorphic-git";

/** Ensures `dir` is a repository with a commit on `branch`; returns true when it created one. */
export async function ensureLocalRepo(dir: string, branch = "main"): Promise<boolean> {
  if (fs.existsSync(join(dir, ".git"))) return false;
  await git.init({ fs, dir, defaultBranch: branch });
  const files = (await git.statusMatrix({ fs, dir })).map(([path]) => path);
  for (const filepath of files) await git.add({ fs, dir, filepath });
  await git.commit({ fs, dir, message: "Initial manifests (humops up)", author: { name: "humops up", email: "humops@localhost" } });
  return true;
}
