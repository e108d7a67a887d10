// `nodectl ls` shows a running operation's progress in its WHY column (issue #11).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { progressText } from "../../../cmd/nodectl/ls.js";

const L = suite("nodectl ls progress");

L("bytes in MiB, seconds for waits, the phase alone otherwise", () => {
  assert.is(progressText({ phase: "Downloading", doneBytes: 3 * 1024 * 1024, totalBytes: 8 * 1024 * 1024 }), "Downloading 3.0 of 8.0 MiB");
  assert.is(progressText({ phase: "PoweringOff", elapsedSeconds: 20.4 }), "PoweringOff 20 s");
  assert.is(progressText({ phase: "Copying" }), "Copying");
  assert.is(progressText(undefined), undefined);
});

L.run();
