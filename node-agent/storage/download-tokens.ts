/**
 * The bearer tokens a node's download API accepts (issue #6): the operator's `tokenFile`, if
 * any, and the cluster tokens the controller sent in imageentity commands. Learned tokens are
 * kept in memory and in `<dataDir>/download-tokens.json` (mode 0600), so an agent restarted
 * without new commands still serves the entities it holds. Only the last few are kept (a
 * controller whose token changed is accepted at once; the old one ages out).
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** How many learned tokens are kept (newest first). */
export const MAX_LEARNED_TOKENS = 4;

/** Options of DownloadTokens. */
export interface DownloadTokensOptions {
  /** Where learned tokens persist, e.g. `<dataDir>/download-tokens.json`. */
  readonly file: string;
  /** The operator's token (downloadAPI.tokenFile), always accepted. */
  readonly fixed?: string;
}

/** The token set of one node's download API. Never logs a token. */
export class DownloadTokens {
  readonly #file: string;
  readonly #fixed: string | undefined;
  #learned: string[] = [];
  #writing: Promise<void> = Promise.resolve();

  constructor(o: DownloadTokensOptions) {
    this.#file = o.file;
    this.#fixed = o.fixed === "" ? undefined : o.fixed;
  }

  /** Reads the persisted tokens; a missing or unreadable file means none (they are re-learned from the next command). */
  async load(): Promise<void> {
    const text = await readFile(this.#file, "utf8").catch(() => "[]");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = [];
    }
    this.#learned = Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === "string" && t !== "").slice(0, MAX_LEARNED_TOKENS) : [];
  }

  /** Every token accepted now (fixed first). */
  accepted(): readonly string[] {
    return this.#fixed === undefined ? [...this.#learned] : [this.#fixed, ...this.#learned];
  }

  /** Accepts `token` from now on and persists it; resolves once written (a known newest token writes nothing). */
  learn(token: string): Promise<void> {
    if (token === "" || this.#learned[0] === token) return this.#writing;
    this.#learned = [token, ...this.#learned.filter((t) => t !== token)].slice(0, MAX_LEARNED_TOKENS);
    const snapshot = JSON.stringify(this.#learned);
    this.#writing = this.#writing.catch(() => undefined).then(() => this.#persist(snapshot));
    return this.#writing;
  }

  async #persist(text: string): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.#file);
  }
}
