/** `humops status`: prints the status branch; exit 0 when everything is ready, 3 otherwise, 1 on error. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { loadGitAuth } from "../../reconciler/git/git-auth.js";
import { IsoGitStatusWriter } from "../../reconciler/git/iso-git-status-writer.js";
import { manifestsCommitTrailer, parseStatusFiles } from "../../reconciler/status/parse-status.js";
import { formatStatusTable, statusRows } from "../../reconciler/status/format-status.js";

/** Registers `humops status`. */
export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("show the status branch as a table (exit 0: all ready, 3: something not ready)")
    .option("--repo <url-or-path>", "manifests repository", ".")
    .option("--status-branch <name>", "status branch", "status")
    .option("--git-credentials-file <file>", "user:password or a token for the remote (or HUMOPS_GIT_TOKEN)")
    .option("--output <format>", "text or json", "text")
    .action(async (o: { repo: string; statusBranch: string; output: string; gitCredentialsFile?: string }) => {
      const workDir = mkdtempSync(join(tmpdir(), "humops-status-"));
      try {
        const writer = new IsoGitStatusWriter({ repo: o.repo, branch: o.statusBranch, workDir, auth: loadGitAuth({ file: o.gitCredentialsFile }) });
        const snap = await writer.read();
        if (snap === undefined) {
          console.error(`no status branch "${o.statusBranch}" in ${o.repo} yet: is the controller running?`);
          process.exitCode = 3;
          return;
        }
        const { resources, nodes } = parseStatusFiles(snap.files);
        const commit = manifestsCommitTrailer(snap.message);
        const allReady = [...resources.values()].every((r) => r.ready);
        if (o.output === "json") console.log(JSON.stringify({ manifestsCommit: commit ?? null, statusCommit: snap.commit, ready: allReady, resources: statusRows(resources.values()), nodes: [...nodes.values()] }, null, 2));
        else process.stdout.write(formatStatusTable({ resources: resources.values(), nodes: nodes.values(), manifestsCommit: commit }));
        process.exitCode = allReady ? 0 : 3;
      } catch (e: unknown) {
        console.error(`humops status: ${(e as Error).message}`);
        process.exitCode = 1;
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    });
}
