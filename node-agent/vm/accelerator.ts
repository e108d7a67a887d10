/**
 * Which accelerator this node really has. /dev/kvm existing is not enough (on these machines
 * it exists while the CPU exposes no vmx/svm and a KVM guest hangs): KVM is used only when
 * /dev/kvm opens read-write, the CPU flags include vmx or svm, and qemu itself reports KVM
 * enabled. Otherwise TCG, and the agent says so.
 */
import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { runChecked, type HostRunner } from "../host/host-runner.js";
import type { Accelerator } from "./qemu-args.js";

/** The probe's verdict and why. */
export interface AcceleratorProbe {
  readonly accelerator: Accelerator;
  readonly reason: string;
}

/** Probes KVM; never throws (a failed probe means TCG). */
export async function probeAccelerator(runner: HostRunner): Promise<AcceleratorProbe> {
  try {
    await access("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch {
    return { accelerator: "tcg", reason: "/dev/kvm missing or not accessible" };
  }
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  if (!/\b(vmx|svm)\b/.test(cpuinfo)) return { accelerator: "tcg", reason: "/dev/kvm exists but the CPU exposes no vmx/svm flag" };
  try {
    const res = await runChecked(runner, {
      argv: ["qemu-system-x86_64", "-accel", "kvm", "-machine", "none", "-nodefaults", "-display", "none", "-no-user-config", "-S", "-qmp", "stdio"],
      stdin: '{"execute":"qmp_capabilities"}\n{"execute":"query-kvm"}\n{"execute":"quit"}\n',
      timeoutMs: 10_000,
    });
    if (/"enabled":\s*true/.test(res.stdout)) return { accelerator: "kvm", reason: "KVM enabled (vmx/svm present, qemu query-kvm)" };
    return { accelerator: "tcg", reason: "qemu reports KVM not enabled" };
  } catch (e) {
    return { accelerator: "tcg", reason: `qemu could not start with KVM: ${e instanceof Error ? e.message : String(e)}` };
  }
}
