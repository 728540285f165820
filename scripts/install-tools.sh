#!/usr/bin/env bash
# Installs the test tools that come from Go modules, pinned, into .tools/bin of this repository:
#   grpcurl          the reflection client the docs tests run every cookbook command with
#   toxiproxy-server the fault-injecting TCP proxy of the network-fault scenarios
# Needs Go 1.22 or later. Re-running it is cheap: a tool already at its pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

GRPCURL_VERSION=v1.9.3
TOXIPROXY_VERSION=v2.12.0

bin="$PWD/.tools/bin"
mkdir -p "$bin"

install() { # name module version binary-built-by-go-install
  local name=$1 module=$2 version=$3 built=$4
  local stamp="$bin/.$name.version"
  if [[ -x "$bin/$name" && -f "$stamp" && $(cat "$stamp") == "$version" ]]; then return; fi
  local tmp
  tmp=$(mktemp -d)
  GOBIN="$tmp" GOFLAGS=-mod=mod go install "$module@$version"
  mv "$tmp/$built" "$bin/$name"
  rm -rf "$tmp"
  echo "$version" >"$stamp"
  echo "installed $name $version into .tools/bin"
}

install grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL_VERSION" grpcurl
install toxiproxy-server github.com/Shopify/toxiproxy/v2/cmd/server "$TOXIPROXY_VERSION" server
