#!/bin/sh
# Usage: kes-env.sh COMMAND [ARG]...
#
# Runs COMMAND after turning every KES_<NAME>_FILE variable into KES_<NAME>, set to that file's
# content (the docker secrets convention). The KES config takes values like the app's identity
# or a CipherTrust refresh token from ${KES_<NAME>} variables, and those values are made at run
# time by the one-shot services (certs, ciphertrust-setup) into shared volumes, where compose's
# environment cannot reach. exec keeps COMMAND as the container's main process, so it receives
# compose's SIGTERM itself.
set -eu

for name in $(env | sed -n 's/^\(KES_[A-Za-z0-9_]*\)_FILE=.*/\1/p'); do
  eval "file=\${${name}_FILE}"
  if [ ! -r "$file" ]; then
    echo "kes-env.sh: ${name}_FILE: cannot read '$file'" >&2
    exit 1
  fi
  value=$(cat "$file")
  if [ -z "$value" ]; then
    echo "kes-env.sh: ${name}_FILE: '$file' is empty" >&2
    exit 1
  fi
  export "$name=$value"
  unset "${name}_FILE"
done

exec "$@"
