/**
 * Benchmark of the schema validators (issue #2, schemas part): validateDocument over 10,000
 * parsed manifest documents (a realistic mix of kinds), against the time to YAML-parse the same
 * documents. Goal: validation within 4x of the parse (the loader's budget is read + parse +
 * validate + assemble within 4x of parse; bench/validate.bench.ts measures that whole path).
 * Also: the time to compile every schema (module import), and the cost of invalid documents.
 *
 *   node --import tsx bench/schemas.bench.ts        (or: npm run bench -- schemas)
 */
import { parseAllDocuments } from "yaml";
import { reportFigures } from "./lib/report.js";

const DOCUMENTS = 10_000;
const RUNS = 5;

function meta(apiType: string, id: string, extra = ""): string {
  return `meta:\n  apiType: ${apiType}\n  id: ${id}\n  name: ${id}\n  group: group1\n  namespace: ns1${extra}\n`;
}

/** One document of a mix close to a real tree: per VM a disk; networks, IPs and routers fewer. */
function documentText(i: number): string {
  switch (i % 10) {
    case 0:
      return `${meta("systemv0/network", `net${i}`, "\n  annotations:\n    networkv0/network_type: VXLAN")}spec:\n  id: "${(i % 16_000_000) + 1}"\n  ipv4CIDR: 10.${i % 250}.0.0/24\n`;
    case 1:
      return `${meta("systemv0/virtualrouter", `vr${i}`, "\n  annotations:\n    virtualrouterv0/node_name: worker1")}spec:\n  externalGateway: 203.0.113.254\n  externalIPs:\n    - externalIPID: eip${i}\n      bindInternalIPv4Address: 10.0.0.1\n  natGatewayIP: 203.0.113.200\n  nics:\n    - networkID: net${i}\n      ipv4Address: 10.0.0.254/24\n`;
    case 2:
      return `${meta("corev0/externalip", `eip${i}`)}spec:\n  poolID: pool0\n  ipv4Address: 203.0.113.${i % 250}\n  ipv4Prefix: 24\n`;
    case 3:
    case 4:
    case 5:
      return `${meta("systemv0/blockstorage", `disk${i}`, "\n  annotations:\n    blockstoragev0/type: Local\n    blockstoragev0/node_name: worker1")}spec:\n  requestSize: 10G\n  limitSize: 20G\n  from:\n    type: HTTP\n    http:\n      url: http://203.0.113.5/images/focal-${i}.img\n`;
    default:
      return `${meta("systemv0/virtualmachine", `vm${i}`, "\n  annotations:\n    virtualmachinev0/node_name: worker1")}spec:\n  requestVcpus: 1000m\n  limitVcpus: "2"\n  requestMemory: 1G\n  limitMemory: 2G\n  blockStorageIDs:\n    - disk${i}\n  nics:\n    - networkID: net${i % 20}\n      ipv4Address: 10.0.${i % 250}.10\n      nameservers:\n        - 8.8.8.8\n      defaultGateway: 10.0.0.254\n  actionState: PowerOn\n  loginUsers:\n    - username: ops\n      sshAuthorizedKeys:\n        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3bench${i} ops@example\n`;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const v = fn();
  return [v, performance.now() - t];
}

async function main(): Promise<void> {
  const importStart = performance.now();
  const { validateDocument } = await import("../schemas/validators.js");
  const compileMs = performance.now() - importStart;
  const text = Array.from({ length: DOCUMENTS }, (_, i) => documentText(i)).join("---\n");
  const parseRuns: number[] = [];
  const validateRuns: number[] = [];
  let docs: unknown[] = [];
  for (let r = 0; r < RUNS; r++) {
    let ms: number;
    [docs, ms] = timed(() => parseAllDocuments(text).map((d) => d.toJS() as unknown));
    parseRuns.push(ms);
    const [invalid, vms] = timed(() => docs.filter((d) => !validateDocument(d).ok).length);
    if (invalid !== 0 || docs.length !== DOCUMENTS) throw new Error(`${invalid} invalid of ${docs.length}`);
    validateRuns.push(vms);
  }
  const broken = docs.map((d) => ({ ...(d as object), status: {} }));
  const [issues, invalidMs] = timed(() => broken.reduce((n, d) => n + (validateDocument(d).ok ? 0 : 1), 0));
  if (issues !== DOCUMENTS) throw new Error("every broken document must fail");
  const parseMs = median(parseRuns);
  const validateMs = median(validateRuns);
  reportFigures("schemas", [
    { name: "documents", value: DOCUMENTS, unit: "" },
    { name: "compile every schema (import validators.ts)", value: compileMs, unit: "ms" },
    { name: "YAML parse, median", value: parseMs, unit: "ms" },
    { name: "validateDocument, valid documents, median", value: validateMs, unit: "ms" },
    { name: "validate / parse", value: validateMs / parseMs, unit: "x", goal: "<= 4 (whole loader)" },
    { name: "validateDocument per document", value: (validateMs * 1000) / DOCUMENTS, unit: "us" },
    { name: "validateDocument, every document invalid", value: invalidMs, unit: "ms" },
  ], { runs: { parse: parseRuns, validate: validateRuns } });
}

await main();
