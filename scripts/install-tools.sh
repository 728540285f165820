#!/usr/bin/env bash
# Installs the test tools that come from Go modules, pinned, into .tools/bin of this repository:
#   grpcurl          the reflection client the docs tests run every cookbook command with
#   toxiproxy-server the fault-injecting TCP proxy of the network-fault scenarios
# and the xDS interop clients the control plane's interop tests run:
#   .tools/interop/go-xds-client  grpc-go's xDS client (interop/go-xds, versions pinned in go.mod)
#   .tools/venv                   Python with grpcio (gRPC C-core), pinned in
#                                 interop/python-xds/requirements.txt
# Needs Go 1.22 or later (the Go interop client: the Go its go.mod names) and Python 3.9 or
# later. Re-running it is cheap: a tool already at its pinned version is kept.
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

# grpc-go's modules into the module cache, so the tests can build the client offline.
(cd interop/go-xds && go mod download && go build -o "$PWD/../../.tools/interop/go-xds-client" .)

# A virtualenv with the pinned grpcio; rebuilt when the requirements change.
venv="$PWD/.tools/venv"
requirements=interop/python-xds/requirements.txt
if [[ ! -x "$venv/bin/python" || ! -f "$venv/.requirements" ]] || ! cmp -s "$requirements" "$venv/.requirements"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.requirements"
  echo "installed $(tr '\n' ' ' <"$requirements")into .tools/venv"
fi
