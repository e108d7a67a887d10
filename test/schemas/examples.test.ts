import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { validateAgentConfig, validateDocument, validateWithManifestSchema } from "../../schemas/validators.js";
import { EXAMPLES_ROOT } from "../helpers/examples.js";

const EXAMPLES = EXAMPLES_ROOT;
const humstackDir = join(EXAMPLES, "humstack");

function documentsOf(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as unknown);
}

const examples = suite("humstack README examples");

examples("there is one example per kind", () => {
  const files = readdirSync(humstackDir).filter((f) => f.endsWith(".yaml"));
  assert.is(files.length, 10);
});

examples("every humstack example validates as written", () => {
  for (const f of readdirSync(humstackDir).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of documentsOf(join(humstackDir, f))) {
      const r = validateDocument(doc);
      assert.ok(r.ok, `${f}: ${JSON.stringify(r.ok ? [] : r.errors)}`);
      assert.ok(validateWithManifestSchema(doc).ok, `${f} against manifest.schema.json`);
    }
  }
});

examples("the humstack agent config validates as written", () => {
  const [doc] = documentsOf(join(EXAMPLES, "humstack-agent-config.yaml"));
  const r = validateAgentConfig(doc);
  assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.errors));
});

examples("an unknown agent config key is an error that names it", () => {
  const [doc] = documentsOf(join(EXAMPLES, "humstack-agent-config.yaml"));
  const r = validateAgentConfig({ ...(doc as object), nodeNmae: "n1" });
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.is(r.errors.length, 1);
  assert.is(r.errors[0]!.pointer, "/nodeNmae");
  assert.match(r.errors[0]!.message, /did you mean "nodeName"/);
});

examples.run();
