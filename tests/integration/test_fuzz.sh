#!/bin/sh
# The libFuzzer harnesses, as a smoke run that cannot flake: each seed
# corpus (and every crash input kept there) replayed, then 2000 mutations
# from a fixed seed.  make fuzz runs them for longer.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
exec "$TOP/tests/fuzz.sh" smoke "$TOP"/tests/bin/fuzz_*
