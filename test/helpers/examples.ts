/**
 * humstack's own examples (shared/examples of the steering repo), copied into
 * test/fixtures/humstack-examples/ so tests run in any clone; test/schemas/examples-copy.test.ts
 * checks the copy against shared/ wherever shared/ sits beside the repo.
 */
import { join } from "node:path";

/** The copy's root. */
export const EXAMPLES_ROOT = join(import.meta.dirname, "../fixtures/humstack-examples");
/** humstack's README manifests (one file per example, plus README.md). */
export const HUMSTACK_EXAMPLES = join(EXAMPLES_ROOT, "humstack");
/** humstack's agent config.yaml. */
export const HUMSTACK_AGENT_CONFIG = join(EXAMPLES_ROOT, "humstack-agent-config.yaml");
