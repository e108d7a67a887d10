import { suite } from "uvu";
import * as assert from "uvu/assert";
import { allocatedBy, capacityOf } from "../../../node-agent/diag/allocation.js";
import type { ResourceCommand } from "../../../schemas/protocol-types.js";

const vm = (id: string, spec: Record<string, unknown>): ResourceCommand => ({ key: `systemv0/virtualmachine/g/ns/${id}`, apiType: "systemv0/virtualmachine", id, annotations: {}, spec, generation: 1, context: {} });
const T = suite("capacity and allocation");

T("capacity: the config's limits, else the machine's", () => {
  const machine = { vcpus: 2, memoryBytes: 1024 };
  assert.equal(capacityOf({ limitVcpus: "8000m", limitMemory: "8G" }, machine), { vcpus: 8, memoryBytes: 8 * 1024 ** 3 });
  assert.equal(capacityOf({}, machine), machine);
  assert.equal(capacityOf({ limitVcpus: "lots" }, machine), machine);
});

T("allocation: VM limits, else requests; other kinds and bad quantities count nothing", () => {
  const known = [
    vm("a", { limitVcpus: "2000m", limitMemory: "1G", requestVcpus: "1", requestMemory: "512M" }),
    vm("b", { requestVcpus: "1", requestMemory: "256M" }),
    vm("c", { limitVcpus: "zero", limitMemory: "much" }),
    { ...vm("d", { limitVcpus: "4", limitMemory: "4G" }), apiType: "systemv0/network" as const },
  ];
  assert.equal(allocatedBy(known), { vcpus: 3, memoryBytes: 1024 ** 3 + 256 * 1024 ** 2 });
  assert.equal(allocatedBy([]), { vcpus: 0, memoryBytes: 0 });
});

T.run();
