// Issue #11 for real (see redeclare-cycles.ts): delete and declare again, same and changed spec,
// the controller process running all along.
import { runRedeclareSuite } from "./redeclare-cycles.js";

runRedeclareSuite("delete and declare again, real processes", [
  [false, false],
  [false, true],
]);
