import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { storageDoctorChecks } from "../../../node-agent/storage/doctor.js";
import type { NodeEnvironment } from "../../../node-agent/driver.js";

const root = mkdtempSync(join(tmpdir(), "hm-doctor-"));
const env: NodeEnvironment = { nodeName: "n1", address: "127.0.0.1", dataDir: root, blockStorageDir: join(root, "bs"), imageDir: join(root, "img") };

const doctor = suite("storageDoctorChecks");

doctor("reports qemu-img missing and the Ceph pool unreachable with a fix each", async () => {
  const runner = new RecordingRunner()
    .on(["qemu-img", "--version"], { exitCode: 127, stderr: "qemu-img: not found" })
    .on(["rbd", "-c", "/dev/null", "ls", "--format", "json", "rbd"], { exitCode: 1, stderr: "rbd: couldn't connect to the cluster!" });
  const checks = await storageDoctorChecks({ ...env, ceph: { confPath: "/dev/null", pool: "rbd" } }, runner);
  assert.equal(checks.map((c) => [c.name, c.ok]), [["qemu-img", false], ["block storage dir", true], ["image dir", true], ["ceph config", true], ["ceph pool", false]]);
  assert.ok(checks.filter((c) => !c.ok).every((c) => c.fix));
});

doctor("all good without Ceph: three checks; an unwritable dir fails with a fix", async () => {
  const runner = new RecordingRunner().on(["qemu-img", "--version"], { stdout: "qemu-img version 7.2.22\n" });
  const ok = await storageDoctorChecks(env, runner);
  assert.equal(ok.map((c) => [c.name, c.ok, c.detail.split(" ")[0]]), [["qemu-img", true, "qemu-img"], ["block storage dir", true, env.blockStorageDir], ["image dir", true, env.imageDir]]);
  writeFileSync(join(root, "afile"), "");
  const bad = await storageDoctorChecks({ ...env, imageDir: join(root, "afile", "images") }, runner);
  assert.is(bad[2]?.ok, false);
  assert.ok(bad[2]?.fix);
});

doctor.after(() => rmSync(root, { recursive: true, force: true }));
doctor.run();
