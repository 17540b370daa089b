// segmentio/kafka-go 0.4.51 against Apache Kafka 4.3.1 and Tributary: the same scenario program
// (kafkago.go), the same expected results.

import { describeScenarios, scenarioList } from '../scenario-runner.js';
import { KAFKA_GO_EXPECTED } from './expected.js';
import { GO_FOLDER, goUnavailable, runGoScenario } from './go-scenarios.js';

describeScenarios(scenarioList(GO_FOLDER, 'kafka-go'), goUnavailable, KAFKA_GO_EXPECTED, runGoScenario);
