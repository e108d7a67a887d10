// The fixtures' copy of humstack's examples must be the steering repo's shared/examples, byte for byte.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES_ROOT } from "../helpers/examples.js";

const candidates = [join(import.meta.dirname, "../../../shared/examples"), "/work/shared/examples"];

test("test/fixtures/humstack-examples is a faithful copy of shared/examples", () => {
  const shared = candidates.find((c) => existsSync(join(c, "humstack")));
  if (!shared) {
    console.log("shared/examples is not beside this clone: nothing to compare the copy with");
    return;
  }
  const files = ["humstack-agent-config.yaml", ...readdirSync(join(shared, "humstack")).map((f) => `humstack/${f}`)];
  for (const f of files) assert.is(readFileSync(join(EXAMPLES_ROOT, f), "utf8"), readFileSync(join(shared, f), "utf8"), f);
  assert.is(readdirSync(join(EXAMPLES_ROOT, "humstack")).length, readdirSync(join(shared, "humstack")).length);
});

test.run();
