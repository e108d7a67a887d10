// The seed's YAML emitter: what PyYAML (YAML 1.1, Debian's python3-yaml) reads back is what was written.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { toYaml11 } from "../../../node-agent/vm/yaml11.js";
import { PrerequisiteMissingError } from "../../helpers/errors.js";

const y = suite("yaml11");

function pyyaml(text: string): unknown {
  if (!existsSync("/usr/bin/python3")) throw new PrerequisiteMissingError({ path: "/usr/bin/python3", hint: "install python3-yaml" });
  const r = spawnSync("/usr/bin/python3", ["-c", "import yaml,sys,json; print(json.dumps(yaml.safe_load(sys.stdin.buffer)))"], { input: Buffer.from(text, "utf8") });
  assert.is(r.status, 0, `PyYAML could not read:\n${text}\n${r.stderr}`);
  return JSON.parse(r.stdout.toString("utf8"));
}

y("strings YAML 1.1 reads as other types, and characters PyYAML rejects raw, come back as the same strings", () => {
  const doc = {
    plain: ["52:54:00:12:34:56", "on", "Off", "y", "NO", "0123", "0o17", "0b101", "0x1f", "1e3", "1.5", "-.5", ".NaN", "2024-01-01", "2001-12-14t21:59:43.10-05:00", "~", "null", "", "=", "<<", "1:20", "+1", "- a", "# c", "a: b", "[x]", "{x}", "&a", "*a", "!t", "|", ">", "%", "@", "`"],
    chars: ["tab\there", "nl\nline", "cr\r", "nel\u0085", "del\u007f", "c1\u0090", "ls\u2028", "bom\ufeff", "nonchar\ufffe\uffff", "é ü 漢 🙂", "bs\\ \"q\" 'q'", "long ".repeat(100)],
    typed: { num: 1, f: 2.5, neg: -3, t: true, f2: false, empty: [], none: {} },
  };
  assert.equal(pyyaml(toYaml11(doc)), doc);
});

y("layout: block style, nested sequences of mappings", () => {
  assert.is(toYaml11({ a: [{ b: "x", c: ["y"] }], d: 1 }), 'a:\n  - b: "x"\n    c:\n      - "y"\nd: 1\n');
});

y("keys that are not plain identifiers, or that YAML 1.1 reads as booleans, are refused", () => {
  assert.throws(() => toYaml11({ "a b": "x" }), /not a plain identifier/);
  assert.throws(() => toYaml11({ on: "x" }), /not a plain identifier/);
  assert.throws(() => toYaml11({ num: Number.NaN }), /finite/);
  assert.throws(() => toYaml11([]), /non-empty/);
});

y.run();
