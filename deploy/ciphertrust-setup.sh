#!/bin/sh
# Usage: ciphertrust-setup.sh TOKEN_FILE
#
# The one-shot "ciphertrust-setup" service of the ciphertrust profile: the KES guide's
# CipherTrust Manager steps with ksctl (a group, a user in it, the kes-policy attached to the
# group, a refresh token for the user), then the token into TOKEN_FILE for the keystore.
# ksctl reaches the manager through KSCTL_URL, KSCTL_USERNAME and KSCTL_PASSWORD (an admin).
# The simulator keeps its state in the same volume, so once the token is there this is done.
set -eu

token_file=${1:?usage: ciphertrust-setup.sh TOKEN_FILE}
here=$(dirname "$0")
user=${KES_CM_USER:-kes-user}

if [ -s "$token_file" ]; then
  echo "ciphertrust-setup.sh: $token_file exists: nothing to do"
  exit 0
fi

# A field of the JSON object ksctl printed on stdin.
field() {
  node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(typeof v!=="string"||v==="")process.exit(1);process.stdout.write(v)})' "$1"
}

# The user's password is needed only to make the refresh token below: a fresh random one.
password=$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))')

# Steps 1-5 of the guide. A half-done earlier run cannot be finished (its password is gone):
# then remove the "cm" volume and start again.
ksctl groups create --name KES-Service >/dev/null
user_id=$(ksctl users create --name "$user" --pword "$password" | field user_id)
ksctl groups adduser --name KES-Service --userid "$user_id" >/dev/null
ksctl policy create --jsonfile "$here/ciphertrust/kes-policy.json" >/dev/null
ksctl polattach create -p kes-policy -g "$here/ciphertrust/kes-attachment.json" >/dev/null

# Step 6: the refresh token KES signs in with; readable by the keystore's user only.
umask 077
ksctl tokens create --user "$user" --password "$password" --issue-rt | field refresh_token \
  >"$token_file.tmp"
mv "$token_file.tmp" "$token_file"
echo "ciphertrust-setup.sh: CipherTrust Manager user '$user' (group KES-Service, kes-policy); refresh token in $token_file"
