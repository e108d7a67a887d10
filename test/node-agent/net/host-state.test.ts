import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { readHostNetState } from "../../../node-agent/net/host-state.js";

const BATCH = ["ip", "-d", "-j", "-force", "-batch", "-"];
const lo = '[{"ifindex":1,"ifname":"lo","flags":["UP"],"addr_info":[]}]';

const H = suite("readHostNetState (scoped)");

H("one batch for the devices; missing devices are absent, not an error", async () => {
  const r = new RecordingRunner().on(BATCH, { exitCode: 1, stdout: `${lo}\n`, stderr: 'Device "hmbaaaaaaaaaaaa" does not exist.\nCommand failed -:2\n' });
  const s = await readHostNetState(r, { devices: ["lo", "hmbaaaaaaaaaaaa", "lo"] });
  assert.equal([...s.links.keys()], ["lo"]);
  assert.equal(r.commands, [{ argv: BATCH, stdin: "addr show dev lo\naddr show dev hmbaaaaaaaaaaaa\n" }]);
  assert.is(s.nat, undefined);
});

H("any other failure of the batch is a CommandFailedError", async () => {
  const r = new RecordingRunner().on(BATCH, { exitCode: 1, stderr: "RTNETLINK answers: Operation not permitted\nCommand failed -:1\n" });
  try {
    await readHostNetState(r, { devices: ["lo"] });
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code?: string }).code, "COMMAND_FAILED");
  }
});

H("fdb of static vxlan links is read per link; nat when asked", async () => {
  const vx = '[{"ifindex":5,"ifname":"hmxaaaaaaaaaaaa","flags":[],"linkinfo":{"info_kind":"vxlan","info_data":{"id":7,"local":"198.18.0.1","link":"ul0","port":4789}},"addr_info":[]}]';
  const r = new RecordingRunner()
    .on(BATCH, { stdout: `${vx}\n` })
    .on(["bridge", "-j", "fdb", "show", "dev", "hmxaaaaaaaaaaaa"], { stdout: '[{"mac":"00:00:00:00:00:00","dst":"198.18.0.2","state":"permanent"}]' })
    .on(["iptables-save", "-t", "nat"], { stdout: "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n" });
  const s = await readHostNetState(r, { devices: ["hmxaaaaaaaaaaaa"], fdb: true, nat: true });
  assert.equal(s.fdb?.get("hmxaaaaaaaaaaaa"), [{ mac: "00:00:00:00:00:00", dev: "hmxaaaaaaaaaaaa", dst: "198.18.0.2", state: "permanent" }]);
  assert.equal(s.nat, { chains: ["POSTROUTING"], rules: [] });
});

H.run();
