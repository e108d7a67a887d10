/**
 * nodectl's human output: aligned tables and a few colours, only on a TTY and never when
 * NO_COLOR is set (https://no-color.org). Pure.
 */

/** Colour names nodectl uses. */
export type Colour = "red" | "green" | "yellow" | "dim" | "bold";

const CODES: Readonly<Record<Colour, [number, number]>> = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] };

/** A painter: identity when colours are off. */
export type Paint = (c: Colour, text: string) => string;

/** Colours on when `isTTY` and NO_COLOR is unset or empty. */
export function painter(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): Paint {
  const on = isTTY && (env["NO_COLOR"] === undefined || env["NO_COLOR"] === "");
  return on ? (c, t) => `\u001b[${CODES[c][0]}m${t}\u001b[${CODES[c][1]}m` : (_c, t) => t;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Renders rows under headers, columns padded to their widest cell (ANSI codes not counted). */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const width = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").replace(ANSI, "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(width[i]! - c.replace(ANSI, "").length)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}
