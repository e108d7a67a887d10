/**
 * Parses a revision as git spells it (gitrevisions(7)), the part `humops plan` supports: a name
 * (branch, tag, remote branch, full ref, `HEAD`/`@`, a full or abbreviated sha) followed by any
 * chain of `~N`, `^N`, `~`, `^` and the no-op peels `^{}`/`^{commit}` (CONTRACT.md §6.5,
 * issue #13). Reflog and upstream spellings (`@{...}`), `REV:path` and ranges are refused with
 * the reason. Pure.
 */

/** One ancestry step: `times` hops, each to parent number `parent` (0: the commit itself). */
export interface RevisionStep {
  readonly parent: number;
  readonly times: number;
}

/** A parsed revision, or why it is not one. */
export type ParsedRevision = { readonly name: string; readonly steps: readonly RevisionStep[] } | { readonly invalid: string };

const SYNTAX = "not git's revision syntax (NAME, NAME~N, NAME^N, chained; NAME a branch, tag, remote branch, HEAD or a sha)";
const STEP = /^(?:~(\d*)|\^\{(?:commit)?\}|\^(\d*))/;

/** True when `name` could be a ref name or a sha (git check-ref-format's rules, loosely). */
function isName(name: string): boolean {
  if (name === "" || name.startsWith("-") || name.startsWith("/") || name.endsWith("/") || name.endsWith(".") || name.endsWith(".lock")) return false;
  if (name.includes("..") || name.includes("//") || name.includes("/.") || name.startsWith(".")) return false;
  return !/[\u0000-\u0020\u007f~^:?*[\\]/.test(name);
}

/** Splits `rev` into its name and steps; `{ invalid }` says why it is not a revision. */
export function parseRevision(rev: string): ParsedRevision {
  if (rev.includes("@{")) return { invalid: "reflog and upstream spellings (@{...}) are not supported; name the commit, e.g. main~1 or a sha" };
  const cut = rev.search(/[~^]/);
  const name = cut === -1 ? rev : rev.slice(0, cut);
  if (!isName(name)) return { invalid: SYNTAX };
  const steps: RevisionStep[] = [];
  let rest = cut === -1 ? "" : rev.slice(cut);
  while (rest !== "") {
    const m = STEP.exec(rest);
    if (m === null) return { invalid: SYNTAX };
    const [all, tilde, caret] = m;
    if (tilde !== undefined) steps.push({ parent: 1, times: tilde === "" ? 1 : Number(tilde) });
    else if (caret !== undefined) steps.push({ parent: caret === "" ? 1 : Number(caret), times: 1 });
    rest = rest.slice(all.length);
  }
  return { name: name === "@" ? "HEAD" : name, steps };
}
