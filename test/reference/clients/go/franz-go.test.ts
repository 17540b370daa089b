// franz-go with kadm against Apache Kafka 4.3.1 and Tributary: the same scenario programs
// (franz.go), the same expected results.

import { describeScenarios, scenarioList } from '../scenario-runner.js';
import { FRANZ_GO_EXPECTED } from './expected.js';
import { GO_FOLDER, goUnavailable, runGoScenario } from './go-scenarios.js';

describeScenarios(scenarioList(GO_FOLDER, 'franz-go'), goUnavailable, FRANZ_GO_EXPECTED, runGoScenario);
