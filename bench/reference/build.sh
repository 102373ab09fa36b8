#!/bin/sh
# Builds the C references next to this script: ctrainer (C + OpenBLAS trainer) and
# malloc_count.so (the LD_PRELOAD malloc counter). Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# CTRAINER_CFLAGS adds flags, e.g. "-mno-avx512f" to build the reference as it would be on an
# AVX2-only CPU when the engine is run with ORBIT_KERNELS=avx2 on an AVX-512 machine (issue 29).
# shellcheck disable=SC2086
gcc -O3 -march=native -fno-math-errno ${CTRAINER_CFLAGS:-} -o "$here/ctrainer" "$here/ctrainer.c" \
  -lopenblas -lm
gcc -O2 -shared -fPIC -o "$here/malloc_count.so" "$here/malloc_count.c" -ldl
echo "built $here/ctrainer and $here/malloc_count.so"
