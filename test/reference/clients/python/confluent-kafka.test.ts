// confluent-kafka-python 2.16 (the PyPI wheel with its own librdkafka, in venv/) against Apache Kafka
// 4.3.1 and Tributary: the same scenario program (scenarios.py), the same expected results.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactUnavailable, describeScenarios, runScenario, scenarioList } from '../scenario-runner.js';
import { CONFLUENT_KAFKA_EXPECTED } from './expected.js';

const FOLDER = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = path.join(FOLDER, 'venv', 'bin', 'python');
const unavailable = artifactUnavailable(FOLDER, path.join(FOLDER, 'venv', '.complete'), ['requirements.txt'], 'test/reference/clients/python/install.sh');

describeScenarios(scenarioList(FOLDER, 'confluent-kafka-python'), unavailable, CONFLUENT_KAFKA_EXPECTED, (id, bootstrap) => runScenario(PYTHON, [path.join(FOLDER, 'scenarios.py')], id, bootstrap));
