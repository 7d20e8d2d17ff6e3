#!/bin/bash
# The test command: builds everything with warnings as errors, runs the codec
# tests under AddressSanitizer+UBSan, a short libFuzzer run of the decoder
# (when clang is installed), then the whole CTest suite.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-$(nproc)}
werror=${MBT_WERROR:-ON}

echo "== sanitizer build (codec)"
cmake -S "$top" -B "$top/build-asan" -G Ninja -DMBT_SANITIZE=ON \
	-DMBT_WERROR="$werror" -DMBT_BUILD_PLUGIN=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$top/build-asan" -j "$jobs" --target codec_tests
"$top/build-asan/tests/codec/codec_tests"

if command -v clang++ >/dev/null; then
	echo "== fuzzing the decoder for ${FUZZ_SECONDS:-30}s"
	CC=clang CXX=clang++ cmake -S "$top" -B "$top/build-fuzz" -G Ninja \
		-DMBT_FUZZ=ON -DMBT_BUILD_PLUGIN=OFF -DMBT_WERROR="$werror" >/dev/null
	cmake --build "$top/build-fuzz" -j "$jobs" --target fuzz_decode
	corpus=$(mktemp -d)
	cp "$top"/format-spec/vectors/*.bin "$corpus"/
	"$top/build-fuzz/fuzz/fuzz_decode" -max_total_time="${FUZZ_SECONDS:-30}" \
		-print_final_stats=1 "$corpus" 2>&1 | tail -n 12
	rm -rf "$corpus"
fi

echo "== build and CTest"
cmake -S "$top" -B "$top/build" -G Ninja -DMBT_WERROR="$werror" >/dev/null
cmake --build "$top/build" -j "$jobs"
ctest --test-dir "$top/build" --output-on-failure -j "$jobs"
