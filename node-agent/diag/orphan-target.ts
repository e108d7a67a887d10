/**
 * What an orphan string from a driver's inventory names on the host, checked so that `gc`
 * can only ever remove humops-named objects inside the node's own directories (issue #8:
 * "never touches objects not named like humops'"). Pure.
 */
import { isAbsolute, normalize, relative } from "node:path";
import { isHumopsName, roleOfName } from "../../schemas/host-names.js";
import type { NodeEnvironment } from "../driver.js";

/** A host object `gc` may remove, or why it may not. */
export type OrphanTarget =
  | { readonly type: "link"; readonly name: string }
  | { readonly type: "netns"; readonly name: string }
  | { readonly type: "nat-rule"; readonly comment: string }
  | { readonly type: "file"; readonly path: string }
  | { readonly type: "vm-dir"; readonly path: string }
  | { readonly type: "rbd"; readonly pool: string; readonly image: string }
  | { readonly type: "refused"; readonly reason: string };

const COMMENT = /^[A-Za-z0-9_.:/-]{1,200}$/;
const RBD_IMAGE = /^hm(disk|img)-[a-z2-7]{12}\.[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function linkTarget(name: string): OrphanTarget {
  return isHumopsName(name) && roleOfName(name) !== "netns" ? { type: "link", name } : { type: "refused", reason: `${name} is not a humops link name` };
}

function fileTarget(path: string, env: NodeEnvironment): OrphanTarget {
  const p = normalize(path);
  const inStore = isInside(env.blockStorageDir, p) || isInside(env.imageDir, p);
  if (!isAbsolute(p) || !inStore || !/\.qcow2(\.part)?$/.test(p)) {
    return { type: "refused", reason: `${path} is not a disk or image file under ${env.blockStorageDir} or ${env.imageDir}` };
  }
  return { type: "file", path: p };
}

function vmDirTarget(path: string, env: NodeEnvironment): OrphanTarget {
  const p = normalize(path);
  const rel = relative(`${env.dataDir}/vms`, p);
  if (!/^[a-z2-7]{16}$/.test(rel)) return { type: "refused", reason: `${path} is not a VM runtime dir under ${env.dataDir}/vms` };
  return { type: "vm-dir", path: p };
}

function rbdTarget(spec: string, env: NodeEnvironment): OrphanTarget {
  const [pool, image] = spec.split("/", 2);
  if (!env.ceph || pool !== env.ceph.pool || image === undefined || !RBD_IMAGE.test(image.replace(/\.part$/, ""))) {
    return { type: "refused", reason: `rbd:${spec} is not a humops image in the configured pool` };
  }
  return { type: "rbd", pool, image };
}

/**
 * Reads one orphan as the drivers word them: `link NAME`, `tap:NAME`, `netns NAME`,
 * `nat-rule COMMENT`, `vm-dir:PATH`, `rbd:POOL/IMAGE` or an absolute disk/image path.
 */
export function orphanTarget(orphan: string, env: NodeEnvironment): OrphanTarget {
  const [head, ...rest] = orphan.split(" ");
  const arg = rest.join(" ");
  if (head === "link" && rest.length === 1) return linkTarget(arg);
  if (head === "netns" && rest.length === 1) {
    return roleOfName(arg) === "netns" ? { type: "netns", name: arg } : { type: "refused", reason: `${arg} is not a humops router namespace` };
  }
  if (head === "nat-rule" && rest.length === 1) {
    return COMMENT.test(arg) && arg.includes("/") ? { type: "nat-rule", comment: arg } : { type: "refused", reason: `nat rule comment ${arg} is not a resource key` };
  }
  if (orphan.startsWith("tap:")) return linkTarget(orphan.slice(4));
  if (orphan.startsWith("vm-dir:")) return vmDirTarget(orphan.slice(7), env);
  if (orphan.startsWith("rbd:")) return rbdTarget(orphan.slice(4), env);
  if (orphan.startsWith("/")) return fileTarget(orphan, env);
  return { type: "refused", reason: `unknown orphan form: ${orphan}` };
}
