import { suite } from "uvu";
import * as assert from "uvu/assert";
import { lostAt, nextLossInMs } from "../../../reconciler/controller/node-loss.js";

const t = suite("node loss (pure)");
const now = new Date("2026-01-01T00:01:00Z");

t("a ready node is never lost; a NotReady one only once the delay ran out, at the moment it ran out", () => {
  assert.is(lostAt({ ready: true, since: "2025-01-01T00:00:00Z" }, 30_000, now), undefined);
  assert.is(lostAt({ ready: false, since: "2026-01-01T00:00:31Z" }, 30_000, now), undefined, "29 s NotReady: a flap");
  assert.is(lostAt({ ready: false, since: "2026-01-01T00:00:30Z" }, 30_000, now), "2026-01-01T00:01:00.000Z", "exactly the delay");
  assert.is(lostAt({ ready: false, since: "2026-01-01T00:00:00Z" }, 30_000, now), "2026-01-01T00:00:30.000Z");
  assert.is(lostAt({ ready: false, since: "" }, 30_000, now), undefined, "an unknown since is not a loss");
});

t("the next loss is the soonest NotReady node still inside its delay", () => {
  const nodes = [
    { ready: true, since: "2026-01-01T00:00:59Z" },
    { ready: false, since: "2026-01-01T00:00:50Z" },
    { ready: false, since: "2026-01-01T00:00:40Z" },
    { ready: false, since: "2026-01-01T00:00:00Z" },
  ];
  assert.is(nextLossInMs(nodes, 30_000, now), 10_000);
  assert.is(nextLossInMs([{ ready: false, since: "2026-01-01T00:00:00Z" }], 30_000, now), undefined, "already lost");
  assert.is(nextLossInMs([], 30_000, now), undefined);
});

t.run();
