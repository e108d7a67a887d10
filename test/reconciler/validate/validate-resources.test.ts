import { suite } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { loadManifests } from "../../../reconciler/manifest/load-manifests.js";
import type { Diagnostic } from "../../../reconciler/manifest/types.js";
import { validateResources } from "../../../reconciler/validate/validate-resources.js";
import { caseExpected, caseFiles, caseNames, INVALID_DIR, readYamlDir } from "./invalid-cases.js";
import { HUMSTACK_EXAMPLES } from "../../helpers/examples.js";

function diagnose(files: ReturnType<typeof caseFiles>) {
  const load = loadManifests(files);
  const v = validateResources(load.resources, load.invalidKeys);
  return { load, v, all: [...load.diagnostics, ...v.diagnostics] as Diagnostic[] };
}

const Base = suite("validateResources: the valid base tree");

Base("the base tree and the humstack README examples have no errors", () => {
  assert.equal(diagnose(readYamlDir(join(INVALID_DIR, "_base"))).all, []);
  const humstack = diagnose(readYamlDir(HUMSTACK_EXAMPLES));
  assert.equal(humstack.all.filter((d) => d.severity === "error"), []);
  assert.equal(humstack.all.map((d) => d.code), ["UNKNOWN_IMAGEENTITY", "UNKNOWN_IMAGEENTITY"], "the two undeclared tags are warnings");
});

Base("Bridge networks as humstack trees write them (spec.id \"0\", 0, a name, none) have no diagnostics (issue #13)", () => {
  const bridge = (id: string, idLine: string) =>
    ["meta:", "  apiType: systemv0/network", `  id: ${id}`, "  group: g1", "  namespace: ns1", "  annotations:", "    networkv0/network_type: Bridge", "spec:", ...(idLine ? [idLine] : []), `  ipv4CIDR: 198.19.${id.slice(2)}.0/24`].join("\n");
  const text = [bridge("br1", '  id: "0"'), bridge("br2", "  id: 0"), bridge("br3", "  id: lan"), bridge("br4", "")].join("\n---\n");
  assert.equal(diagnose([...readYamlDir(join(INVALID_DIR, "_base")), { path: "04-bridges.yaml", text }]).all, []);
});

Base.run();

const Cases = suite("validateResources: invalid cases (test/fixtures/invalid)");
const names = caseNames();

Cases("there are at least 40 cross-resource cases (beyond the schema's)", () => {
  const crossResource = names.filter((n) => caseExpected(n).code !== "SCHEMA");
  assert.ok(crossResource.length >= 40, `only ${crossResource.length}`);
});

for (const name of names) {
  Cases(name, () => {
    const exp = caseExpected(name);
    const { all, v, load } = diagnose(caseFiles(name));
    const hit = all.find((d) => d.code === exp.code && d.file === exp.file && d.message.includes(exp.message));
    assert.ok(hit, `no ${exp.code} in ${exp.file} containing ${JSON.stringify(exp.message)}; got:\n${all.map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`).join("\n")}`);
    assert.is(hit.severity, exp.severity);
    assert.equal([hit.line, hit.column], [exp.line, exp.column], "points at the offending field");
    assert.ok(hit.resource, "names the resource");
    if (exp.severity === "error" && exp.code !== "SCHEMA" && exp.code !== "DUPLICATE_ID") {
      assert.ok([...v.invalid].some((k) => hit.resource === `${k.split("/").slice(0, 2).join("/")} ${k.split("/").slice(2).join("/")}`), "the resource is marked invalid");
    }
    if (exp.code === "SCHEMA" || exp.code === "DUPLICATE_ID") assert.ok(load.failedFiles.has(exp.file), "the loader marks the file failed");
  });
}

Cases.run();
