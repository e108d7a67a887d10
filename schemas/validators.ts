/**
 * Compiled validators for what users write (manifests, the agent config) and what agents
 * report about their node. Each schema is compiled once, on first use (ajv caches it).
 * Validation never throws: it returns the typed value, or SchemaIssues (errors.ts) that say
 * where and what to change.
 *
 * Documents are dispatched on meta.apiType in code rather than through manifest.schema.json's
 * if/then chain: one compiled validator per kind is faster and gives one clear error for an
 * unknown apiType. manifest.schema.json is for editors (docs/schemas.md) and is kept equivalent
 * by test/schemas/validators.test.ts.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { KINDS, NODE_API_TYPE, isApiType, type ApiType } from "./kinds.js";
import { closestMatch, toSchemaIssues, type IssueContext, type SchemaIssue, type ValidationResult } from "./errors.js";
import type { ManifestDocument, ResourceByApiType } from "./generated/manifest.js";
import type { AgentConfig } from "./generated/agent-config.js";
import type { NodeReport } from "./generated/node.js";
import type { NodeDeclaration } from "./generated/node-declaration.js";
import defs from "./resources/defs.schema.json" with { type: "json" };
import group from "./resources/group.schema.json" with { type: "json" };
import namespace from "./resources/namespace.schema.json" with { type: "json" };
import externalippool from "./resources/externalippool.schema.json" with { type: "json" };
import externalip from "./resources/externalip.schema.json" with { type: "json" };
import network from "./resources/network.schema.json" with { type: "json" };
import virtualrouter from "./resources/virtualrouter.schema.json" with { type: "json" };
import blockstorage from "./resources/blockstorage.schema.json" with { type: "json" };
import imageentity from "./resources/imageentity.schema.json" with { type: "json" };
import image from "./resources/image.schema.json" with { type: "json" };
import virtualmachine from "./resources/virtualmachine.schema.json" with { type: "json" };
import node from "./resources/node.schema.json" with { type: "json" };
import nodeDeclaration from "./resources/node-declaration.schema.json" with { type: "json" };
import agentConfig from "./agent-config.schema.json" with { type: "json" };
import manifest from "./manifest.schema.json" with { type: "json" };

export type { SchemaIssue, ValidationResult } from "./errors.js";

/** The base URI under which the schemas are registered in ajv (their files carry no $id, for editors). */
export const SCHEMA_BASE_URI = "https://humops.dev/schemas/";

const KIND_SCHEMAS: Readonly<Record<ApiType, object>> = {
  "corev0/group": group,
  "corev0/namespace": namespace,
  "corev0/externalippool": externalippool,
  "corev0/externalip": externalip,
  "systemv0/network": network,
  "systemv0/virtualrouter": virtualrouter,
  "systemv0/blockstorage": blockstorage,
  "systemv0/imageentity": imageentity,
  "systemv0/image": image,
  "systemv0/virtualmachine": virtualmachine,
};

// ajv-formats is CommonJS: under Node's ESM the default import is module.exports, whose
// .default is the plugin.
const addFormats = addFormatsModule.default;

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true, allowUnionTypes: true });
  addFormats(ajv, ["ipv4", "ipv6", "uri", "uuid", "hostname"]);
  // Read by VS Code / yaml-language-server and by errors.ts; no validation of its own.
  ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
  ajv.addSchema(defs, `${SCHEMA_BASE_URI}resources/defs.schema.json`);
  for (const [apiType, schema] of Object.entries(KIND_SCHEMAS)) {
    ajv.addSchema(schema, `${SCHEMA_BASE_URI}resources/${apiType.split("/")[1]}.schema.json`);
  }
  ajv.addSchema(node, `${SCHEMA_BASE_URI}resources/node.schema.json`);
  ajv.addSchema(nodeDeclaration, `${SCHEMA_BASE_URI}resources/node-declaration.schema.json`);
  ajv.addSchema(agentConfig, `${SCHEMA_BASE_URI}agent-config.schema.json`);
  ajv.addSchema(manifest, `${SCHEMA_BASE_URI}manifest.schema.json`);
  return ajv;
}

const ajv = createAjv();

function compiled<T>(path: string): ValidateFunction<T> {
  const v = ajv.getSchema<T>(`${SCHEMA_BASE_URI}${path}`);
  if (v === undefined) throw new Error(`schema ${path} is not registered`);
  return v;
}

function humopsAnnotationsOf(schema: object): string[] {
  const s = schema as { properties?: { meta?: { properties?: { annotations?: { properties?: object } } } } };
  return Object.keys(s.properties?.meta?.properties?.annotations?.properties ?? {}).filter((k) => k.startsWith("humops/"));
}

interface KindValidator {
  readonly validate: ValidateFunction;
  readonly ctx: IssueContext;
}

// Compiled on first use, so a CLI run that sees few kinds does not pay for all of them.
const kindValidators = new Map<ApiType, KindValidator>();

function kindValidator(apiType: ApiType): KindValidator {
  let v = kindValidators.get(apiType);
  if (v === undefined) {
    v = {
      validate: compiled(`resources/${apiType.split("/")[1]}.schema.json`),
      ctx: { humopsAnnotations: humopsAnnotationsOf(KIND_SCHEMAS[apiType]) },
    };
    kindValidators.set(apiType, v);
  }
  return v;
}

function run<T>(validate: ValidateFunction, doc: unknown, ctx: IssueContext = {}): ValidationResult<T> {
  if (validate(doc)) return { ok: true, value: doc as T };
  return { ok: false, errors: toSchemaIssues(validate.errors ?? [], ctx) };
}

/** The apiTypes a manifest may declare, in CONTRACT.md order. */
export const KNOWN_API_TYPES: readonly ApiType[] = Object.keys(KINDS) as ApiType[];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function apiTypeIssue(doc: unknown): SchemaIssue {
  const known = `known apiTypes: ${KNOWN_API_TYPES.join(", ")}`;
  if (!isRecord(doc)) return { pointer: "", message: `a manifest must be a mapping with meta and spec; ${known}`, keyword: "type" };
  const meta = doc["meta"];
  if (!isRecord(meta)) return { pointer: "/meta", message: `missing meta (a mapping with apiType and id); ${known}`, keyword: "required" };
  const apiType = meta["apiType"];
  if (apiType === undefined) return { pointer: "/meta", message: `missing meta.apiType; ${known}`, keyword: "required" };
  if (apiType === NODE_API_TYPE) {
    return { pointer: "/meta/apiType", message: `${NODE_API_TYPE} is reported by node agents and cannot be declared; ${known}`, keyword: "enum" };
  }
  const guess = typeof apiType === "string" ? closestMatch(apiType, KNOWN_API_TYPES) : undefined;
  const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
  return { pointer: "/meta/apiType", message: `unknown apiType ${JSON.stringify(apiType)}${hint}; ${known}`, keyword: "enum" };
}

/**
 * Validates one manifest document (a parsed YAML document), dispatching on meta.apiType. An
 * unknown or missing apiType gives one issue that lists the known apiTypes.
 */
export function validateDocument(doc: unknown): ValidationResult<ManifestDocument> {
  const apiType = isRecord(doc) && isRecord(doc["meta"]) ? doc["meta"]["apiType"] : undefined;
  if (!isApiType(apiType)) return { ok: false, errors: [apiTypeIssue(doc)] };
  const v = kindValidator(apiType);
  return run<ManifestDocument>(v.validate, doc, v.ctx);
}

/** Validates a document against one kind's schema, whatever its meta.apiType says. */
export function validateResource<A extends ApiType>(apiType: A, doc: unknown): ValidationResult<ResourceByApiType[A]> {
  if (!isApiType(apiType)) throw new TypeError(`validateResource: unknown apiType ${String(apiType)}`);
  const v = kindValidator(apiType);
  return run<ResourceByApiType[A]>(v.validate, doc, v.ctx);
}

/** Validates a parsed agent config file (humstack's keys plus humops'). */
export function validateAgentConfig(doc: unknown): ValidationResult<AgentConfig> {
  return run<AgentConfig>(compiled("agent-config.schema.json"), doc);
}

/** Validates what an agent reports about its node. */
export function validateNodeReport(doc: unknown): ValidationResult<NodeReport> {
  return run<NodeReport>(compiled("resources/node.schema.json"), doc);
}

/**
 * Validates against manifest.schema.json itself (the editors' schema, if/then dispatch). Slower
 * and noisier than validateDocument; exported so tests can prove the two agree.
 */
export function validateWithManifestSchema(doc: unknown): ValidationResult<ManifestDocument> {
  return run<ManifestDocument>(compiled("manifest.schema.json"), doc);
}

/**
 * humstack agent config keys that humops accepts but does not use (CONTRACT.md §4: a warning,
 * never an error), as JSON pointers, each with what to do instead. The agent warns once per key.
 */
export const IGNORED_HUMSTACK_KEYS: Readonly<Record<string, string>> = {
  "/apiServerAddress": "humops agents talk to NATS: set nats.url",
  "/apiServerPort": "humops agents talk to NATS: set nats.url",
  "/agentMode": "a humops agent always runs every part a node needs",
  "/pollingSeconds": "humops agents act on commands, they do not poll",
  "/networkAgentConfig/vlan/vlanInterfaceNamePrefix": "humops names host links itself",
  "/imageAgentConfig/downloadAPI": "images are served by blockStorageAgentConfig.downloadAPI",
  "/imageAgentConfig/cephBackend": "humops uses blockStorageAgentConfig.cephBackend",
};

/** The IGNORED_HUMSTACK_KEYS present in an agent config, as JSON pointers, in that list's order. */
export function findIgnoredHumstackKeys(config: unknown): string[] {
  return Object.keys(IGNORED_HUMSTACK_KEYS).filter((pointer) => {
    let node: unknown = config;
    for (const token of pointer.slice(1).split("/")) {
      if (!isRecord(node) || !Object.hasOwn(node, token)) return false;
      node = node[token];
    }
    return true;
  });
}

/**
 * Validates a `systemv0/node` document (issue #14: a node declared for maintenance, with
 * `humops/cordon` and `humops/drain`). Not a resource: it builds nothing, so it is not an ApiType.
 */
export function validateNodeDeclaration(doc: unknown): ValidationResult<NodeDeclaration> {
  return run<NodeDeclaration>(compiled("resources/node-declaration.schema.json"), doc, { humopsAnnotations: humopsAnnotationsOf(nodeDeclaration) });
}
