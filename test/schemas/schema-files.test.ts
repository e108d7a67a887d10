import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { KINDS, scopeOf, type ApiType } from "../../schemas/kinds.js";

const SCHEMAS = join(import.meta.dirname, "../../schemas");
const files = [
  ...readdirSync(join(SCHEMAS, "resources")).map((f) => `resources/${f}`),
  "agent-config.schema.json",
  "manifest.schema.json",
].filter((f) => f.endsWith(".schema.json"));

type Schema = Record<string, unknown>;
const load = (f: string): Schema => JSON.parse(readFileSync(join(SCHEMAS, f), "utf8")) as Schema;

/** Every subschema with its JSON pointer inside the file. */
function* walk(s: unknown, pointer = ""): Generator<[string, Schema]> {
  if (typeof s !== "object" || s === null) return;
  if (Array.isArray(s)) {
    for (const [i, x] of s.entries()) yield* walk(x, `${pointer}/${i}`);
    return;
  }
  yield [pointer, s as Schema];
  for (const [k, v] of Object.entries(s)) yield* walk(v, `${pointer}/${k}`);
}

const test = suite("schema files");

test("every file is draft 2020-12, carries no $id (editors resolve refs next to it) and has a title", () => {
  assert.ok(files.length >= 14, files.join());
  for (const f of files) {
    const s = load(f);
    assert.is(s["$schema"], "https://json-schema.org/draft/2020-12/schema", f);
    assert.is(s["$id"], undefined, f);
    assert.type(s["title"], "string", f);
  }
});

test("every field has a description, directly or through its definition", () => {
  const defs = load("resources/defs.schema.json")["$defs"] as Record<string, Schema>;
  for (const [name, d] of Object.entries(defs)) assert.type(d["description"], "string", `defs ${name}`);
  let fields = 0;
  for (const f of files) {
    for (const [pointer, s] of walk(load(f))) {
      const props = s["properties"];
      if (typeof props !== "object" || props === null || pointer.includes("/if") || pointer.includes("/then") || pointer.includes("/else")) continue;
      for (const [k, p] of Object.entries(props as Record<string, Schema>)) {
        assert.type(p["description"], "string", `${f}#${pointer}/properties/${k}`);
        fields++;
      }
    }
  }
  assert.ok(fields > 150, `${fields} fields checked`);
});

test("every object with fields is closed (additionalProperties false), except annotation maps", () => {
  for (const f of files.filter((x) => x !== "manifest.schema.json")) {
    for (const [pointer, s] of walk(load(f))) {
      if (s["properties"] === undefined || /\/(if|then|else)(\/|$)/.test(pointer)) continue;
      if (pointer.endsWith("/annotations")) {
        assert.ok(s["patternProperties"] !== undefined, `${f}#${pointer} must refuse unknown humops/ keys`);
        continue;
      }
      assert.is(s["additionalProperties"], false, `${f}#${pointer}`);
    }
  }
});

test("meta follows each kind's scope", () => {
  for (const apiType of Object.keys(KINDS) as ApiType[]) {
    const meta = (load(`resources/${apiType.split("/")[1]}.schema.json`)["properties"] as Record<string, Schema>)["meta"]!;
    const props = Object.keys(meta["properties"] as object);
    const required = meta["required"] as string[];
    const scope = scopeOf(apiType);
    assert.is(props.includes("group"), scope !== "cluster", `${apiType} group`);
    assert.is(props.includes("namespace"), scope === "namespace", `${apiType} namespace`);
    assert.is(required.includes("group"), scope !== "cluster", `${apiType} group required`);
    assert.is(required.includes("namespace"), scope === "namespace", `${apiType} namespace required`);
    for (const serverSet of ["resourceHash", "deleteState", "ownerReferences"]) assert.not.ok(props.includes(serverSet), serverSet);
  }
});

test("the manifest schema dispatches to every kind exactly once, and to the node declaration (systemv0/node)", () => {
  const m = load("manifest.schema.json");
  const refs = (m["allOf"] as Schema[]).map((b) => (b["then"] as Schema)["$ref"]);
  const expected = [...Object.keys(KINDS).map((a) => `resources/${a.split("/")[1]}.schema.json`), "resources/node-declaration.schema.json"];
  assert.equal([...refs].sort(), expected.sort());
});

test.run();
