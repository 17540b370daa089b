// IBM/sarama against Apache Kafka 4.3.1 and Tributary: the same scenario program (sarama.go), the
// same expected results.

import { describeScenarios, scenarioList } from '../scenario-runner.js';
import { SARAMA_EXPECTED } from './expected.js';
import { GO_FOLDER, goUnavailable, runGoScenario } from './go-scenarios.js';

describeScenarios(scenarioList(GO_FOLDER, 'sarama'), goUnavailable, SARAMA_EXPECTED, runGoScenario);
