// The inventory is re-published once per resync period even when nothing changed, so a
// controller that missed a publish (or started with an empty bucket) always catches up.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { pino } from "pino";
import { InventoryLoop } from "../../../node-agent/agent/inventory-loop.js";
import type { AgentBus } from "../../../node-agent/bus/agent-bus.js";
import type { DriverContext, ResourceDriver } from "../../../node-agent/driver.js";
import type { StateStore } from "../../../node-agent/agent/state-store.js";

const loop = suite("inventory loop");

loop("publishes on change, and unchanged once per resync period", async () => {
  const publishes: number[] = [];
  const bus = { publishInventory: async () => void publishes.push(Date.now()) } as unknown as AgentBus;
  let orphans: string[] = [];
  const driver = { apiType: "systemv0/network", inventory: async () => ({ resources: [], orphans }) } as unknown as ResourceDriver;
  const state = { all: async () => [] } as unknown as StateStore;
  const l = new InventoryLoop({ bus, drivers: [driver], log: pino({ level: "silent" }), ctx: () => ({ node: { nodeName: "n1" } }) as DriverContext, state });
  l.start(300);
  await new Promise((r) => setTimeout(r, 50));
  assert.is(publishes.length, 1, "first read publishes");
  assert.is(await l.run(), false, "an unchanged read inside the period publishes nothing");
  orphans = ["hmbstrayaaaaaaaa"];
  assert.is(await l.run(), true, "a change publishes at once");
  await new Promise((r) => setTimeout(r, 700));
  l.stop();
  assert.ok(publishes.length >= 3, `unchanged inventory re-published by the resync timer (${publishes.length} publishes)`);
});

loop.run();
