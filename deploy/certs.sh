#!/bin/sh
# Usage: certs.sh DIR
#
# The one-shot "certs" service: makes whatever is missing in DIR (the "certs" volume):
#   ca.crt, gateway|crypto|keystore.crt/.key   internal mTLS (kes tool certs internal)
#   server.cert, server.key                    the gateway's HTTPS certificate
#   client.cert, client.key, client.identity   a client to try it with (the my-app policy)
# Existing files are kept, so it runs on every `docker compose up` and changes nothing.
set -eu

out=${1:?usage: certs.sh DIR}
umask 077

internal=""
for file in ca.crt gateway.crt gateway.key crypto.crt crypto.key keystore.crt keystore.key; do
  if [ -f "$out/$file" ]; then internal="$internal $file"; fi
done
if [ "$(echo "$internal" | wc -w)" -ne 7 ]; then
  # None yet, or half a set from an interrupted run (which nothing can have used): all anew.
  # Besides its role, each certificate names keystore-ciphertrust (the ciphertrust profile's
  # keystore service, dialled by that name), localhost and 127.0.0.1.
  kes tool certs internal --out "$out" --force \
    --dns localhost --dns keystore-ciphertrust --ip 127.0.0.1 >/dev/null
  # The CA key is only needed to issue more certificates, which making a new set replaces: it
  # does not stay in a volume that every service mounts.
  rm -f "$out/ca.key"
fi

if [ ! -f "$out/server.cert" ] || [ ! -f "$out/server.key" ]; then
  rm -f "$out/server.cert" "$out/server.key"
  kes tool identity new --server --key "$out/server.key" --cert "$out/server.cert" \
    --dns gateway --dns localhost --ip 127.0.0.1 >/dev/null
fi

if [ ! -f "$out/client.cert" ] || [ ! -f "$out/client.key" ]; then
  rm -f "$out/client.cert" "$out/client.key"
  kes tool identity new --key "$out/client.key" --cert "$out/client.cert" client >/dev/null
fi
kes tool identity of "$out/client.cert" >"$out/client.identity.tmp"
mv "$out/client.identity.tmp" "$out/client.identity"
chmod 0644 "$out"/*.crt "$out/server.cert" "$out/client.cert" "$out/client.identity"

echo "certs.sh: $out is ready: internal certificates, the gateway's server.cert, a client"
echo "certs.sh: client identity $(cat "$out/client.identity")"
