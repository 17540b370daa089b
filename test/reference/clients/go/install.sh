#!/usr/bin/env bash
# Builds the Go clients' scenario program (franz-go with kadm, IBM/sarama, segmentio/kafka-go, pinned
# by go.mod/go.sum) into bin/scenarios, fetching modules through the Go module proxy. Needs a Go at
# least as new as go.mod's `go` line: /usr/local/go/bin/go is preferred, since Debian's golang-go at
# /usr/bin/go (1.19, used by test/e2e's GOPATH build) is too old for these modules.
set -euo pipefail
cd "$(dirname "$0")"
need="$(sed -n 's/^go //p' go.mod)"
GO=""
for candidate in /usr/local/go/bin/go "$(command -v go || true)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  have="$("$candidate" env GOVERSION 2>/dev/null | sed 's/^go//')"
  if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n 1)" = "$need" ]; then GO="$candidate"; break; fi
done
[ -n "$GO" ] || { echo "Go clients: no Go >= $need found (tried /usr/local/go/bin/go and go on PATH)" >&2; exit 1; }
# GOTOOLCHAIN=local: build with the Go found, never download another toolchain; -mod=readonly: go.sum
# is the pin, a build never rewrites it.
GOTOOLCHAIN=local GOFLAGS=-mod=readonly "$GO" build -o bin/scenarios .
echo "Go clients: bin/scenarios built with $("$GO" version | cut -d' ' -f3)"
