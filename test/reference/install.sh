#!/usr/bin/env bash
# Resolves Apache Kafka 4.3.1 (broker, tools, client) from Maven Central into test/reference/libs/,
# once per fresh machine: a libs/ newer than pom.xml is kept. Needs Java 17+ and Maven.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f libs/.complete ] && [ libs/.complete -nt pom.xml ]; then exit 0; fi
command -v mvn >/dev/null || { echo "reference Kafka: Maven (mvn) is not installed" >&2; exit 1; }
command -v java >/dev/null || { echo "reference Kafka: Java is not installed" >&2; exit 1; }
rm -rf libs
mvn -q -B dependency:copy-dependencies -DoutputDirectory="$PWD/libs" -DincludeScope=runtime
touch libs/.complete
echo "reference Kafka: $(ls libs/*.jar | wc -l) jars in test/reference/libs"
