/**
 * `npm run gen`: regenerates schemas/generated/ from the JSON Schemas with
 * json-schema-to-typescript, so the TypeScript types never drift from what the validators accept.
 *
 * Output is deterministic (no timestamps, sorted inputs), so CI can regenerate in memory and
 * fail on a difference (test/schemas/generated-up-to-date.test.ts).
 */
import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, type JSONSchema } from "json-schema-to-typescript";

const SCHEMAS_DIR = dirname(fileURLToPath(import.meta.url));

/** The schema files turned into types (relative to schemas/), and the generated file for each. */
export interface GenTarget {
  readonly schemaPath: string;
  readonly outPath: string;
}

const MANIFEST = "manifest.schema.json";

/** Lists every schema to generate from: resources/*, agent-config and manifest (defs has no root type). */
export async function listTargets(): Promise<GenTarget[]> {
  const resources = (await readdir(join(SCHEMAS_DIR, "resources")))
    .filter((f) => f.endsWith(".schema.json") && f !== "defs.schema.json")
    .sort()
    .map((f) => `resources/${f}`);
  return [...resources, "agent-config.schema.json", MANIFEST].map((schemaPath) => ({
    schemaPath,
    outPath: `generated/${schemaPath.replace(/^resources\//, "").replace(/\.schema\.json$/, ".ts")}`,
  }));
}

function banner(schemaPath: string): string {
  return `/* Generated from schemas/${schemaPath}; do not edit. Run npm run gen. */`;
}

async function generateOne(target: GenTarget): Promise<string> {
  const file = join(SCHEMAS_DIR, target.schemaPath);
  const schema = JSON.parse(await readFile(file, "utf8")) as JSONSchema;
  return compile(schema, String(schema.title), {
    bannerComment: banner(target.schemaPath),
    cwd: dirname(file),
    additionalProperties: false,
    declareExternallyReferenced: true,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { printWidth: 110 },
  });
}

/**
 * The manifest schema dispatches with if/then, which json-schema-to-typescript cannot express,
 * so its types are written here: the union of the kinds and a map apiType -> document type.
 */
async function generateManifest(kindTargets: readonly GenTarget[]): Promise<string> {
  const lines = [banner(MANIFEST), ""];
  const entries: string[] = [];
  for (const t of kindTargets) {
    const schema = JSON.parse(await readFile(join(SCHEMAS_DIR, t.schemaPath), "utf8")) as JSONSchema;
    const meta = (schema.properties?.["meta"] ?? {}) as JSONSchema;
    const apiType = (meta.properties?.["apiType"] as JSONSchema | undefined)?.["const"];
    if (typeof apiType !== "string") continue;
    const module = `./${relative("generated", t.outPath).replace(/\.ts$/, ".js")}`;
    lines.push(`import type { ${String(schema.title)} } from "${module}";`);
    entries.push(`  "${apiType}": ${String(schema.title)};`);
  }
  lines.push("", "/** Every manifest document type, by meta.apiType. */");
  lines.push("export interface ResourceByApiType {", ...entries, "}", "");
  lines.push("/** Any manifest document. */");
  lines.push("export type ManifestDocument = ResourceByApiType[keyof ResourceByApiType];", "");
  return lines.join("\n");
}

/** Generates every target in memory: outPath (relative to schemas/) -> file text. */
export async function generateAll(): Promise<Map<string, string>> {
  const targets = await listTargets();
  const out = new Map<string, string>();
  for (const t of targets) {
    if (t.schemaPath === MANIFEST) continue;
    out.set(t.outPath, await generateOne(t));
  }
  const manifest = targets.find((t) => t.schemaPath === MANIFEST);
  if (manifest) out.set(manifest.outPath, await generateManifest(targets));
  return out;
}

async function main(): Promise<void> {
  const files = await generateAll();
  for (const [outPath, text] of files) {
    const full = join(SCHEMAS_DIR, outPath);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, text);
    console.log(`wrote schemas/${outPath}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
