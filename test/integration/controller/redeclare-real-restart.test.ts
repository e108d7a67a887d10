// Issue #11 for real (see redeclare-cycles.ts): delete, restart the controller process, declare
// again, same and changed spec. Fails without incarnations: the re-create is answered as a
// `duplicate` of the first create and the VM stays down past the 60 s bound.
import { runRedeclareSuite } from "./redeclare-cycles.js";

runRedeclareSuite("delete, restart the controller, declare again, real processes", [
  [true, false],
  [true, true],
]);
