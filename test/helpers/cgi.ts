/** Parsing of a CGI response head (RFC 3875 section 6), for the test git server. */

/** A parsed CGI head and whatever body bytes followed it in the same buffer. */
export interface CgiHead {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * Parses the header block at the start of `buf` (lines ended by CRLF or LF, then an empty
 * line). Returns undefined while the block is incomplete. `Status: 404 Not Found` sets the
 * status; a `Location` without Status means 302; otherwise 200.
 */
export function parseCgiHead(buf: Buffer): CgiHead | undefined {
  const text = buf.toString("latin1");
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  let status: number | undefined;
  for (const line of text.slice(0, m.index).split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  if (status === undefined) status = headers["location"] !== undefined ? 302 : 200;
  return { status, headers, body: buf.subarray(m.index + m[0].length) };
}
