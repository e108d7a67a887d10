import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { DIAGNOSTIC_CODES } from "../../../reconciler/manifest/codes.js";

const codes = suite("diagnostic codes");
const ROOT = new URL("../../../", import.meta.url).pathname;

codes("every code is documented in docs/manifests.md's table", () => {
  const doc = readFileSync(`${ROOT}docs/manifests.md`, "utf8");
  for (const code of Object.keys(DIAGNOSTIC_CODES)) assert.ok(doc.includes(`| \`${code}\` |`), `${code} missing from docs/manifests.md`);
});

codes("the bad-input suite only expects known codes", () => {
  const dir = `${ROOT}test/fixtures/bad/`;
  for (const name of readdirSync(dir)) {
    const exp = JSON.parse(readFileSync(`${dir}${name}/expect.json`, "utf8")) as { diagnostics: { code: string }[] };
    for (const d of exp.diagnostics) assert.ok(Object.hasOwn(DIAGNOSTIC_CODES, d.code), `${name}: unknown code ${d.code}`);
  }
});

codes.run();
