#!/usr/bin/env bash
# Installs confluent-kafka-python at the version pinned in requirements.txt (a PyPI wheel with its own
# librdkafka) into a virtual environment, venv/, once per fresh machine: a venv newer than
# requirements.txt is kept. Separate from Debian's python3-confluent-kafka, which test/e2e uses
# through /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f venv/.complete ] && [ venv/.complete -nt requirements.txt ]; then exit 0; fi
PYTHON="$(command -v python3 || true)"
[ -n "$PYTHON" ] || { echo "Python clients: python3 is not installed" >&2; exit 1; }
rm -rf venv
"$PYTHON" -m venv venv || { echo "Python clients: $PYTHON cannot create a venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
venv/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: -r requirements.txt
touch venv/.complete
echo "Python clients: $(venv/bin/python -c 'import confluent_kafka as c; print("confluent-kafka", c.version(), "with librdkafka", c.libversion()[0])')"
