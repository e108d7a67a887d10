/**
 * parseManifestFile never throws and always locates its diagnostics, whatever the input:
 * the humstack examples mutated at random (seeded, so a failure is reproducible).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DIAGNOSTIC_CODES } from "../../../reconciler/manifest/codes.js";
import { parseManifestFile } from "../../../reconciler/manifest/parse-manifest-file.js";
import { HUMSTACK_EXAMPLES } from "../../helpers/examples.js";

const EXAMPLES = HUMSTACK_EXAMPLES;
const texts = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml")).map((f) => readFileSync(join(EXAMPLES, f), "utf8"));
const PIECES = [":", "-", " ", "\n", "\t", "[", "]", "{", "}", "&a ", "*a", "!", "'", '"', "#", "---\n", "? ", "|", ">", "~", "\u0000", "é", "0", "..", "/"];

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, rand: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (out.length + 1));
    const piece = PIECES[Math.floor(rand() * PIECES.length)]!;
    out = rand() < 0.5 ? out.slice(0, at) + piece + out.slice(at) : out.slice(0, at) + out.slice(at + 1 + Math.floor(rand() * 3));
  }
  return out;
}

const robust = suite("parseManifestFile robustness");

robust("1500 mutated examples: no throw, every diagnostic located and coded", () => {
  const rand = prng(20261122);
  let invalid = 0;
  for (let i = 0; i < 1500; i++) {
    const text = mutate(texts[i % texts.length]!, rand);
    const r = parseManifestFile({ path: "m.yaml", text });
    const lines = text.split("\n").length;
    for (const d of r.diagnostics) {
      assert.ok(Object.hasOwn(DIAGNOSTIC_CODES, d.code), `unknown code ${d.code}`);
      assert.ok(d.line >= 1 && d.line <= lines + 1 && d.column >= 1, `bad position ${d.line}:${d.column} for ${JSON.stringify(text)}`);
      assert.is(d.file, "m.yaml");
      assert.ok(d.message.length > 0);
    }
    assert.is(r.failed, r.diagnostics.some((d) => d.severity === "error"));
    if (r.failed) invalid++;
    for (const doc of r.documents) if (doc.resource) assert.is(doc.resource.key, doc.key);
  }
  assert.ok(invalid > 300, `the mutations must break many files (broke ${invalid})`);
});

robust.run();
