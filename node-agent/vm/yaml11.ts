/**
 * A YAML emitter for the cloud-init seed (pure), written for the reader cloud-init uses:
 * PyYAML, a YAML 1.1 parser. YAML 1.1 reads many plain scalars as something other than the
 * string they are (`52:54:00:12:34:56` is a sexagesimal integer, `on` a boolean, `0123` an octal
 * integer, `2024-01-01` a date, `=` and `<<` special tags), so every string is written
 * double-quoted, with every character PyYAML does not accept raw escaped. Numbers and booleans
 * stay plain; keys are plain identifiers. Block style only, no line folding.
 */

/** What the seed is made of. */
export type Yaml11Value = string | number | boolean | Yaml11Collection;
/** A sequence or a mapping. */
export type Yaml11Collection = readonly Yaml11Value[] | { readonly [key: string]: Yaml11Value };

/** Renders `value` (a mapping or sequence) as a YAML 1.1 document ending in a newline. */
export function toYaml11(value: Yaml11Value): string {
  if (isScalar(value) || isEmpty(value)) throw new Error("toYaml11: a document is a non-empty mapping or sequence");
  return renderNode(value, 0).join("\n") + "\n";
}

/** A string as a YAML double-quoted scalar: JSON's escapes are YAML's, plus those PyYAML's reader rejects raw. */
export function quoteYaml11(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function renderNode(value: Yaml11Collection, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (isSequence(value)) {
    return value.flatMap((item) => {
      if (isScalar(item) || isEmpty(item)) return [`${pad}- ${renderInline(item)}`];
      const [first, ...rest] = renderNode(item, indent + 2);
      return [`${pad}- ${first!.slice(indent + 2)}`, ...rest];
    });
  }
  return Object.entries(value).flatMap(([key, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) || isReservedPlain(key)) throw new Error(`toYaml11: key ${JSON.stringify(key)} is not a plain identifier`);
    if (isScalar(v) || isEmpty(v)) return [`${pad}${key}: ${renderInline(v)}`];
    return [`${pad}${key}:`, ...renderNode(v, indent + 2)];
  });
}

function renderInline(v: Yaml11Value): string {
  if (typeof v === "string") return quoteYaml11(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error("toYaml11: numbers must be finite");
    return String(v);
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  return isSequence(v) ? "[]" : "{}";
}

function isScalar(v: Yaml11Value): v is string | number | boolean {
  return typeof v !== "object";
}

function isSequence(v: Yaml11Collection): v is readonly Yaml11Value[] {
  return Array.isArray(v);
}

function isEmpty(v: Yaml11Value): boolean {
  return !isScalar(v) && (isSequence(v) ? v.length === 0 : Object.keys(v).length === 0);
}

/** Plain keys YAML 1.1 would read as booleans or null (`on`, `yes`, `null`, `y`, ...). */
function isReservedPlain(key: string): boolean {
  return /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/.test(key);
}
