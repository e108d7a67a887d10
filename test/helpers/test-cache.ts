/** Where tests cache what they build once (guest images, unpacked packages): `$HUMOPS_TEST_CACHE`, else `~/.cache/humops-test`. */
import { homedir } from "node:os";
import { join } from "node:path";

export function testCacheDir(): string {
  return process.env["HUMOPS_TEST_CACHE"] ?? join(homedir(), ".cache", "humops-test");
}
