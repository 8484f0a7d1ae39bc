#!/usr/bin/env bash
# Installs Debian's PyTorch (CPU) and the threaded OpenBLAS it needs to be fast; without
# libopenblas0-pthread Debian's torch falls back to the slow reference BLAS.
# Used only by `npm run bench -- train` for the side-by-side baseline; nothing in the tests needs it.
set -euo pipefail
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread >/dev/null
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
