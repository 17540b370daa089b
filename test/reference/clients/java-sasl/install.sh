#!/usr/bin/env bash
# Compiles the Java client SASL scenarios (src/*.java, with ../jvm-shared/*.java) against the reference libs (kafka-clients 4.3.1,
# resolved by test/reference/install.sh) into build/ (git-ignored). Needs a JDK 17+ (javac).
set -euo pipefail
cd "$(dirname "$0")"
LIBS="$PWD/../../libs"
command -v javac >/dev/null || { echo "java SASL scenarios: javac (a JDK 17+) is not installed" >&2; exit 1; }
[ -f "$LIBS/kafka-clients-4.3.1.jar" ] || { echo "java SASL scenarios: $LIBS/kafka-clients-4.3.1.jar is missing: run bash test/reference/install.sh" >&2; exit 1; }
rm -rf build
mkdir -p build
javac -nowarn -d build -cp "$LIBS/*" src/*.java ../jvm-shared/*.java
echo "java SASL scenarios: compiled $(ls src/*.java | wc -l) sources into test/reference/clients/java-sasl/build"
