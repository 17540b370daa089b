// The Go clients' scenario program (main.go and one file per library), built by install.sh into
// bin/scenarios; each library's test file runs its scenarios through it.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactUnavailable, runScenario } from '../scenario-runner.js';

export const GO_FOLDER = path.dirname(fileURLToPath(import.meta.url));
const BINARY = path.join(GO_FOLDER, 'bin', 'scenarios');

export const goUnavailable = artifactUnavailable(GO_FOLDER, BINARY, ['.go', 'go.mod', 'go.sum'], 'test/reference/clients/go/install.sh');

export function runGoScenario(scenarioId: string, bootstrap: string): Promise<unknown> {
  return runScenario(BINARY, [], scenarioId, bootstrap);
}
