import { suite } from "uvu";
import * as assert from "uvu/assert";
import { painter, renderTable } from "../../../node-agent/diag/table.js";

const T = suite("table and colours");

T("colours only on a TTY without NO_COLOR", () => {
  assert.is(painter(true, {})("red", "x"), "\u001b[31mx\u001b[39m");
  assert.is(painter(false, {})("red", "x"), "x");
  assert.is(painter(true, { NO_COLOR: "1" })("red", "x"), "x");
  assert.is(painter(true, { NO_COLOR: "" })("green", "x"), "\u001b[32mx\u001b[39m");
});

T("columns align on visible width, colour codes not counted", () => {
  const p = painter(true, {});
  const out = renderTable(["A", "BB", "C"], [["long-cell", p("red", "no"), "z"], ["x", "yes", ""]]);
  const plain = out.replace(/\u001b\[[0-9;]*m/g, "");
  assert.is(plain, "A          BB   C\nlong-cell  no   z\nx          yes\n");
});

T.run();
