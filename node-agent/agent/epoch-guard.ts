/**
 * The agent's side of leadership fencing (issue #15, CONTRACT.md §6.3): every command carries
 * the epoch of the controller that sent it (the leader lease's term); the agent remembers the
 * newest epoch it has obeyed, on disk (`<dataDir>/epoch.json`, written before the command
 * runs), and refuses any command from an older epoch with `StaleEpoch`. So a controller that
 * paused, lost its lease and woke up cannot change anything on a node that has heard from its
 * successor. Once an epoch has been seen, a command without one (a pre-1.2 controller) is
 * refused too. Admissions are serialized, so two commands racing never persist out of order.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";

/** What admit() answers. */
export type EpochVerdict = { readonly ok: true } | { readonly ok: false; readonly newest: number; readonly message: string };

export class EpochGuard {
  readonly #file: string;
  #newest = 0;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  /** The newest epoch obeyed (0: none yet). */
  get newest(): number {
    return this.#newest;
  }

  /** Reads the persisted epoch; a missing file is epoch 0, a corrupt one an error (never silently 0). */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#file, "utf8");
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    const v = (JSON.parse(text) as { epoch?: unknown }).epoch;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new Error(`${this.#file}: not an epoch file (${text.slice(0, 80)}); remove it only if no other controller term can still send commands`);
    this.#newest = v;
  }

  /** Admits a command of `epoch` (undefined: a controller without leader election). */
  admit(epoch: number | undefined): Promise<EpochVerdict> {
    const next = this.#chain.then(() => this.#admit(epoch));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #admit(epoch: number | undefined): Promise<EpochVerdict> {
    if (epoch === undefined) {
      return this.#newest === 0 ? { ok: true } : { ok: false, newest: this.#newest, message: `command has no epoch, and this node obeys epoch ${this.#newest}: it comes from a controller that does not hold the leader lease (or predates leader election)` };
    }
    if (epoch < this.#newest) return { ok: false, newest: this.#newest, message: `command from epoch ${epoch}, but this node obeys epoch ${this.#newest}: the sender is no longer the leader` };
    if (epoch > this.#newest) {
      await this.#persist(epoch);
      this.#newest = epoch;
    }
    return { ok: true };
  }

  async #persist(epoch: number): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    const fh = await open(tmp, "w", 0o600);
    try {
      await fh.writeFile(JSON.stringify({ epoch, at: new Date().toISOString() }) + "\n");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.#file);
  }
}
