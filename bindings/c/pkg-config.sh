#!/usr/bin/env bash
# Writes cognito-signin.pc to stdout for the libraries in LIBDIR (default: the workspace's
# target/debug) and the header in this folder's include/:
#   bash bindings/c/pkg-config.sh target/release > cognito-signin.pc
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
libdir=$(cd "${1:-$here/../../target/debug}" && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/Cargo.toml" | head -n 1)
cat <<PC
libdir=$libdir
includedir=$here/include

Name: cognito-signin
Description: Amazon Cognito user-pool sign-in (SRP-6a, device SRP, SECRET_HASH), sans-IO, C ABI
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lcognito_signin_ffi
Libs.private: -lpthread -ldl -lm -lrt -lutil -lgcc_s
PC
