#!/bin/bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan +
# libFuzzer) from the repository's common/*.c into build-fuzz/, then runs
# each one for SECONDS seconds on its corpus.
#
# Usage: tests/fuzz/run.sh [SECONDS] [--tap] [TARGET...]
#   SECONDS  per target (default 60)
#   --tap    one line per target for tests/run.sh:
#              "ok - fuzz_x: N execs, no crash" / "not ok - fuzz_x: ... reproducer: PATH"
#   TARGET   fuzz_body fuzz_token fuzz_cookie fuzz_query fuzz_qengine fuzz_request (default:
#            the first five, and fuzz_request too when DATABASE_URL is set)
# fuzz_request serves whole requests through the router, the handlers and sql/ into
# the MariaDB at DATABASE_URL (a running test stack: tests/run.sh passes its own,
# tests/fuzz/request.sh starts one); JWT_SECRET and COOKIE_SECRET come from the
# environment as for the pool.
# Environment: FUZZ_CC (default clang, else clang-14), FUZZ_JOBS (parallel
# targets, default 1), FUZZ_REQUIRE=1 (no clang is a failure, not a skip;
# the default when CI=true). Without clang, --tap prints a TAP skip
# ("ok - fuzz: skipped # SKIP ..."), which tests/run.sh counts as a skip.
#
# Inputs found to be new go to build-fuzz/corpus/<target>/ (kept between runs,
# the checked-in seeds in tests/fuzz/corpus/<target>/ are only read); a crash
# leaves its input in build-fuzz/artifacts/ and the log in build-fuzz/logs/.
# Replay one: build-fuzz/fuzz_x build-fuzz/artifacts/fuzz_x-crash-...
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FUZZ_DIR="$ROOT/tests/fuzz"
BUILD="$ROOT/build-fuzz"
SECONDS_PER=60
TAP=0
TARGETS=()
for a in "$@"; do
	case "$a" in
	--tap) TAP=1 ;;
	[0-9]*) SECONDS_PER="$a" ;;
	fuzz_*) TARGETS+=("$a") ;;
	*) echo "usage: $0 [SECONDS] [--tap] [fuzz_body|fuzz_token|fuzz_cookie|fuzz_query|fuzz_qengine|fuzz_request...]" >&2; exit 2 ;;
	esac
done
if [ ${#TARGETS[@]} -eq 0 ]; then
	TARGETS=(fuzz_body fuzz_token fuzz_cookie fuzz_query fuzz_qengine)
	[ -n "${DATABASE_URL:-}" ] && TARGETS+=(fuzz_request)
fi

# say LINE: a TAP line in --tap mode, else plain
say() { echo "$@"; }

CC="${FUZZ_CC:-}"
if [ -z "$CC" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && { CC="$c"; break; }
	done
fi
# libFuzzer ships in libclang-rt-NN-dev on Debian: try a one-line link before anything else
probe="$(mktemp -d /tmp/medusa-c-fuzzprobe.XXXXXX)"
trap 'rm -rf "$probe"' EXIT
if [ -z "$CC" ] || ! printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
	>"$probe/p.c" || ! "$CC" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
	why="clang with libFuzzer not found (apt-get install clang-14 libclang-rt-14-dev)"
	require="${FUZZ_REQUIRE:-0}"
	[ "${CI:-}" = true ] && require="${FUZZ_REQUIRE:-1}"
	if [ "$require" = 1 ] || [ "$TAP" = 0 ]; then
		say "not ok - fuzz: $why"
		[ -s "$probe/log" ] && sed 's/^/    | /' "$probe/log" | head -5
		exit 1
	fi
	say "ok - fuzz: skipped # SKIP $why"
	exit 0
fi

# The Makefile's flags; clang-14 knows all of them. -O1 -g: fast enough to fuzz, readable stacks.
# clang warns where gcc does not (e.g. -Wformat-nonliteral on a va_list helper),
# so common/*.c is built with -Wno-error: its warnings are kept in
# build-fuzz/logs/build-common.log and shown, but do not stop the fuzzing.
WARN="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-std=c11 -D_GNU_SOURCE $WARN -I$ROOT $(pkg-config --cflags libmariadb 2>/dev/null) -I/usr/include/mariadb -O1 -g $SAN"
LIBS="-ljson-c -lfcgi -lcrypto"

mkdir -p "$BUILD/common" "$BUILD/server" "$BUILD/logs" "$BUILD/artifacts"

# build_fail WHAT LOG: reports a build error and stops
build_fail() {
	say "not ok - fuzz build: $1 (log: $2)"
	sed 's/^/    | /' "$2" | head -30
	exit 1
}

# build_lib NAME DIR SOURCE...: the sources with coverage instrumentation
# (fuzzer-no-link) into $BUILD/DIR/, rebuilt when a source or any header of
# common/, sql/ or cgi/ is newer than its object; then one archive
# $BUILD/NAME.a, so each target links only the objects it uses.
# common/*.c -> libcommon.a (every target); sql/*.c and cgi/*.c but main.c
# -> libserver.a (fuzz_request, which includes cgi/main.c itself).
newest_header="$(ls -t "$ROOT"/common/*.h "$ROOT"/sql/*.h "$ROOT"/cgi/*.h | head -1)"
build_lib() {
	local name="$1" dir="$2"; shift 2
	local objs=() changed=0 src obj
	for src in "$@"; do
		obj="$BUILD/$dir/$(basename "${src%.c}").o"
		objs+=("$obj")
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
			[ "$changed" = 0 ] && : >"$BUILD/logs/build-$dir.log"
			"$CC" $CFLAGS -Wno-error -fsanitize=fuzzer-no-link -c "$src" -o "$obj" >>"$BUILD/logs/build-$dir.log" 2>&1 ||
				build_fail "${src#$ROOT/}" "$BUILD/logs/build-$dir.log"
			changed=1
		fi
	done
	if [ "$changed" = 1 ] && grep -q 'warning:' "$BUILD/logs/build-$dir.log"; then
		echo "# clang warnings in $dir (not fatal here, see $BUILD/logs/build-$dir.log):"
		grep 'warning:' "$BUILD/logs/build-$dir.log" | sed "s|^$ROOT/||; s/^/#   /"
	fi
	if [ "$changed" = 1 ] || [ ! -f "$BUILD/$name.a" ]; then
		rm -f "$BUILD/$name.a"
		ar rcs "$BUILD/$name.a" "${objs[@]}" || build_fail "$name.a" /dev/null
	fi
}
build_lib libcommon common "$ROOT"/common/*.c
for t in "${TARGETS[@]}"; do
	if [ "$t" = fuzz_request ]; then
		server_src=()
		for src in "$ROOT"/sql/*.c "$ROOT"/cgi/*.c; do
			[ "$src" = "$ROOT/cgi/main.c" ] || server_src+=("$src")
		done
		build_lib libserver server "${server_src[@]}"
	fi
done
for t in "${TARGETS[@]}"; do
	src="$FUZZ_DIR/$t.c"
	[ -f "$src" ] || { say "not ok - fuzz build: no target $t"; exit 1; }
	bin="$BUILD/$t"
	libs=("$BUILD/libcommon.a")
	extra=()
	if [ "$t" = fuzz_request ]; then
		libs=("$BUILD/libserver.a" "$BUILD/libcommon.a")
		extra=(-lmariadb)
	fi
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$FUZZ_DIR/fuzz.h" -nt "$bin" ] || [ "${libs[0]}" -nt "$bin" ] ||
		[ "$BUILD/libcommon.a" -nt "$bin" ] || { [ "$t" = fuzz_request ] && [ "$ROOT/cgi/main.c" -nt "$bin" ]; }; then
		"$CC" $CFLAGS -fsanitize=fuzzer "$src" "${libs[@]}" $LIBS "${extra[@]}" -o "$bin" >"$BUILD/logs/build-$t.log" 2>&1 ||
			build_fail "$t" "$BUILD/logs/build-$t.log"
	fi
done

# Per target: the longest input worth trying, and its dictionary.
max_len() {
	case "$1" in
	fuzz_body) echo 16384 ;;   # well past any real body's structure; MAX_BODY itself is 100 KB
	fuzz_token) echo 9000 ;;   # just past JWT_MAX_TOKEN (8192)
	fuzz_cookie) echo 1024 ;;  # the value buffer is COOKIE_VALUE_MAX (160)
	fuzz_query) echo 2048 ;;   # query.c is quadratic in places: big inputs cost 10x per run
	                           # (the 1000-parameter and 64 KB limits are checked once, at start)
	fuzz_request) echo 8192 ;; # a request line, headers and a body; each run is a database round trip
	*) echo 4096 ;;
	esac
}

# UBSan must stop at the first report so libFuzzer records the input;
# leaks are findings too. Inherited log_path settings would hide the report.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1:handle_abort=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# run_target NAME: one target; prints its summary line, returns non-zero on a finding
run_target() {
	local t="$1"
	local corpus="$BUILD/corpus/$t" seeds="$FUZZ_DIR/corpus/$t" log="$BUILD/logs/$t.log"
	local dict=()
	mkdir -p "$corpus"
	[ -f "$FUZZ_DIR/$t.dict" ] && dict=(-dict="$FUZZ_DIR/$t.dict")
	rm -f "$log"
	"$BUILD/$t" "$corpus" "$seeds" "${dict[@]}" \
		-max_total_time="$SECONDS_PER" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t-" >"$log" 2>&1
	local rc=$?
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
	[ -n "$execs" ] || execs=0
	# fuzz_request prints its answers' statuses at exit
	local stats
	stats=$(sed -n 's/^fuzz_request: \(.*requests answered.*\)$/\1/p' "$log" | tail -1)
	if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
		say "ok - $t: $execs execs, no crash${stats:+ ($stats)}"
		return 0
	fi
	local repro kind
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	kind=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [^ ]+( [^ ]+)?|runtime error: .*|FUZZ INVARIANT FAILED.*' "$log")
	say "not ok - $t: ${kind:-exit status $rc} after $execs execs; reproducer: ${repro:-none} (log: $log; replay: $BUILD/$t ${repro:-INPUT})"
	grep -E 'FUZZ INVARIANT|runtime error|ERROR:|^    #[0-9]+ ' "$log" | head -15 | sed 's/^/    | /'
	return 1
}

failed=0
jobs_max="${FUZZ_JOBS:-1}"
if [ "$jobs_max" -le 1 ]; then
	for t in "${TARGETS[@]}"; do
		[ "$TAP" = 0 ] && echo "fuzzing $t for ${SECONDS_PER}s ..."
		run_target "$t" || failed=$((failed + 1))
	done
else
	# parallel: each target's summary goes to a file, printed in order afterwards
	pids=()
	for t in "${TARGETS[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do sleep 1; done
		run_target "$t" >"$BUILD/logs/$t.summary" 2>&1 &
		pids+=("$!")
	done
	for i in "${!TARGETS[@]}"; do
		wait "${pids[$i]}" || failed=$((failed + 1))
		cat "$BUILD/logs/${TARGETS[$i]}.summary"
	done
fi
[ "$TAP" = 0 ] && echo "logs: $BUILD/logs; $failed of ${#TARGETS[@]} targets failed"
[ "$failed" -eq 0 ]
