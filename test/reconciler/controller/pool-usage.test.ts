import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadManifests } from "../../../reconciler/manifest/load-manifests.js";
import { poolUsageDetails } from "../../../reconciler/controller/pool-usage.js";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const usage = suite("pool usage in status");

usage("each pool lists its used addresses with their router; each external IP names its router", () => {
  const dir = join(import.meta.dirname, "../../../manifests-example");
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => ({ path: f, text: readFileSync(join(dir, f), "utf8") }));
  const load = loadManifests(files);
  const details = poolUsageDetails(load.resources);
  assert.equal(details.get("corev0/externalippool/eippool"), {
    used: [
      { address: "203.0.113.100", use: "externalip eip1", router: "group1/ns1/vrouter1", bindInternalIPv4Address: "10.0.0.1" },
      { address: "203.0.113.200", use: "natGateway", router: "group1/ns1/vrouter1" },
    ],
  });
  assert.equal(details.get("corev0/externalip/group1/ns1/eip1"), { boundTo: "group1/ns1/vrouter1", bindInternalIPv4Address: "10.0.0.1" });
});

usage.run();
