/**
 * A short tag unique to this test process, put into every host object name the harness creates
 * (netns, links, temp dirs) so parallel test processes of several engineers never clash and the
 * leak guard can tell this process's objects from anybody else's.
 */
import { randomBytes } from "node:crypto";

const TAG = `t${process.pid.toString(36)}${randomBytes(2).toString("hex").slice(0, 3)}`;

/**
 * The tag of this test process: `t` + pid in base 36 + 3 random hex characters (at most 9
 * characters, so `${tag}-${short}` with a 5-character suffix still fits a 15-character name).
 */
export function testTag(): string {
  return TAG;
}
