/** The serial console lines that end each boot phase of a Debian cloud guest (bench guest, guest-push). */
export const BOOT_MARKERS: readonly (readonly [string, RegExp])[] = [
  ["kernel", /Linux version \d/],
  ["userspace", /systemd\[1\]/],
  ["cloud-init init-local", /Cloud-init v\. \S+ running 'init-local'/],
  ["cloud-init init", /Cloud-init v\. \S+ running 'init' /],
  ["cloud-init modules:config", /Cloud-init v\. \S+ running 'modules:config'/],
  ["cloud-init modules:final", /Cloud-init v\. \S+ running 'modules:final'/],
  ["cloud-init finished", /Cloud-init v\. \S+ finished at/],
];

/** Records in `t`, at `now` (seconds), every marker that shows in `log` for the first time. */
export function markPhases(t: Record<string, number>, log: string, now: number): void {
  for (const [name, re] of BOOT_MARKERS) if (t[name] === undefined && re.test(log)) t[name] = now;
}
