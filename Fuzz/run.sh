#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS, one after the other; `make fuzz` calls
# this. Per target: corpus/<t>/ (committed seeds and a minimised corpus) is the input, new
# entries go to .build/work/<t>/ and are merged back into corpus/<t>/ with -merge=1, crashes,
# timeouts and OOMs go to crashes/<t>/, the log to .build/logs/<t>.log, and the final figures
# (exec/s, cov, ft) to report.txt. Exits 1 when any target found a crash.
#
#   FUZZ_SECONDS=600 (per target)   FUZZ_TARGETS="manifest csv nrml geojson"   FUZZ_ARGS=extra flags
#   FUZZ_BUILD=0 skips the build.   FUZZ_MERGE=0 leaves corpus/ as it is.
#   FUZZ_BIN=<folder> runs fuzz-* binaries built elsewhere (e.g. from a snapshot of the tree).
#   FUZZ_LEAKS=1 checks every input for leaks (LeakSanitizer; 5-15 times fewer exec/s).
set -uo pipefail
cd "$(dirname "$0")"
export PATH=/opt/swift/usr/bin:$PATH
SECONDS_PER_TARGET=${FUZZ_SECONDS:-600}
TARGETS=${FUZZ_TARGETS:-manifest csv nrml geojson}
SCRATCH=.build
# --sanitize=fuzzer tells SwiftPM not to rename the targets' entry points and to link libFuzzer's
# main; swiftc keeps only the last -sanitize= it is given, and SwiftPM passes its --sanitize
# values in no fixed order, so the combined -sanitize=fuzzer,address after them is what counts
# (coverage and ASan in every Swift module). -parse-as-library: the targets have no top-level code.
BUILD=(swift build --scratch-path "$SCRATCH" -c debug --sanitize=fuzzer --sanitize=address
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing)
if [ -n "${FUZZ_BIN:-}" ]; then
    BIN=$FUZZ_BIN
else
    if [ "${FUZZ_BUILD:-1}" != 0 ]; then
        "${BUILD[@]}" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol"
        [ "${PIPESTATUS[0]}" = 0 ] || exit 1
    fi
    BIN=$("${BUILD[@]}" --show-bin-path)
fi

# libFuzzer, not the Swift runtime's backtracer, must handle a crash (the backtracer can hang).
export SWIFT_BACKTRACE=enable=no
LEAKS=${FUZZ_LEAKS:-0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$LEAKS}
export LSAN_OPTIONS=suppressions=$PWD/lsan.supp
mkdir -p "$SCRATCH/logs"
status=0
{
    echo "RiskCensus fuzz report — $(date -u '+%Y-%m-%d %H:%M UTC'), ${SECONDS_PER_TARGET} s per target, $(git -C .. rev-parse --short HEAD 2>/dev/null)$(git -C .. diff --quiet HEAD -- Sources 2>/dev/null || echo ' + uncommitted Sources changes')"
    printf '%-9s %10s %8s %7s %7s %12s  %s\n' target execs exec/s cov ft corpus crashes
} > report.txt
for t in $TARGETS; do
    corpus=corpus/$t work=$SCRATCH/work/$t crashes=crashes/$t log=$SCRATCH/logs/$t.log
    mkdir -p "$corpus" "$work" "$crashes"
    before=$(ls "$crashes" | sort)
    dict=(); [ -f "dict/$t.dict" ] && dict=(-dict="dict/$t.dict")
    echo "fuzz: $t for ${SECONDS_PER_TARGET} s (log $log)"
    "$BIN/fuzz-$t" "$work" "$corpus" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=4096 -timeout=10 \
        -detect_leaks="$LEAKS" -print_final_stats=1 -artifact_prefix="$crashes/" ${FUZZ_ARGS:-} > "$log" 2>&1
    rc=$?
    new=$(comm -13 <(echo "$before") <(ls "$crashes" | sort) | tr '\n' ' ')
    if [ "${FUZZ_MERGE:-1}" != 0 ]; then
        # Minimise corpus + new entries into a fresh folder, which replaces corpus/<t>/.
        merged=$SCRATCH/merged/$t
        rm -rf "$merged" && mkdir -p "$merged"
        if "$BIN/fuzz-$t" -merge=1 "$merged" "$corpus" "$work" -rss_limit_mb=4096 -timeout=10 > "$SCRATCH/logs/$t.merge.log" 2>&1; then
            rm -rf "$corpus" && mv "$merged" "$corpus"
        else
            echo "fuzz: merging the $t corpus failed; corpus/$t left as it was (see $SCRATCH/logs/$t.merge.log)"
        fi
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<< "$last") ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
    size="$(ls "$corpus" | wc -l)/$(( $(cat "$corpus"/* 2>/dev/null | wc -c) / 1024 ))K"
    [ "$(cat "$corpus"/* 2>/dev/null | wc -c)" -lt 1048576 ] || echo "fuzz: corpus/$t holds more than 1 MiB; consider -max_len or pruning it"
    [ "$rc" = 0 ] || { status=1; [ -n "$new" ] || new="(exit $rc, see $log)"; }
    printf '%-9s %10s %8s %7s %7s %12s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$size" "${new:-none}" >> report.txt
done
cat report.txt
exit $status
