#!/bin/sh
# Builds the C references next to this script: ctrainer (C + OpenBLAS trainer) and
# malloc_count.so (the LD_PRELOAD malloc counter). Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gcc -O3 -march=native -fno-math-errno -o "$here/ctrainer" "$here/ctrainer.c" -lopenblas -lm
gcc -O2 -shared -fPIC -o "$here/malloc_count.so" "$here/malloc_count.c" -ldl
echo "built $here/ctrainer and $here/malloc_count.so"
