#!/usr/bin/env bash
# The packaging test: install the build to a temporary prefix, then build plugins out of
# tree against it with find_package and load each into the installed (g++-built) host:
#   - the C++ template with g++ (the reference), with clang++ and libc++, and with g++
#     and the old string ABI (-D_GLIBCXX_USE_CXX11_ABI=0): the three outputs must be
#     byte-identical, since only C crosses the plugin boundary;
#   - the plugin written in C, with gcc and with clang (and its test, in C++);
#   - the same plugin written in Rust (sdk/examples/rust, where cargo is on PATH): the
#     same bytes as the C one;
#   - the SDK's distributions (tests/package/dist_kat.c) from C and C++, gcc, clang and
#     libc++ builds, and builds allowed to fuse multiply-adds where the CPU has FMA: the
#     same bits as the g++ build;
#   - freshly scaffolded plugins (tools/new-plugin), in C++ and in C, and a Python scenario
#     (tools/new-plugin --python, trafficsim-check-python, the bridge beside the plugins).
# Each C++ build also runs the template's own test (the test kit, built the same way).
# usage: run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 022
prefix="$work/prefix"
fail() { echo "FAILED: $*" >&2; exit 1; }

echo "== install to $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
host="$prefix/bin/trafficsim-host"
[ -x "$host" ] || fail "no installed host"
for h in sdk.hpp testkit.hpp plugin.h random.h helpers.h distributions.h distributions.hpp limits.h version.h detail/streams.hpp; do
  [ -f "$prefix/include/trafficsim/$h" ] || fail "no installed SDK header $h"
done
[ ! -e "$prefix/include/trafficsim/call_model.hpp" ] || fail "the call model is host-only now"

echo "== the installed host finds the installed plugins with no flags"
(cd "$work" && env -u TRAFFICSIM_PLUGIN_PATH "$host" --list-plugins) >"$work/list.txt"
for p in base seasonal burst decline; do
  grep -q "^$p " "$work/list.txt" || fail "installed host does not list $p"
  grep -q "$prefix/lib/trafficsim/plugins/trafficsim_$p.so" "$work/list.txt" || fail "$p not from the prefix"
done
"$host" --version | grep -q "SDK 2.4.0, plugin ABI 2" || fail "--version"

echo "== the scorer is installed beside the host and scores the host's answer key"
(cd "$work" && "$host" --days 2 --scale 0.1 -q -o "$work/key.csv" --truth "$work/key") || fail "--truth"
"$prefix/bin/trafficsim-score" invoices --truth "$work/key" "$work/key/invoices.csv" | grep -q "; 0 differences" ||
  fail "trafficsim-score invoices"

echo "== the installed host finds the shipped catalogs"
for c in seed current; do
  [ -f "$prefix/share/trafficsim/catalogs/$c.json" ] || fail "catalog $c.json not installed"
done
(cd "$work" && "$host" --catalog current --days 1 -q -o "$work/current.csv") || fail "--catalog current from the prefix"
grep -q ",google,gemini-2.5-flash," "$work/current.csv" || fail "--catalog current drew no gemini-2.5-flash"

# build_project DIR LABEL [cmake args...]: configure, build and run the project's tests.
build_project() {
  local dir="$1" label="$2"
  shift 2
  cmake -S "$dir" -B "$dir/build-$label" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" "$@" \
    >"$work/$label-configure.log" 2>&1 || { cat "$work/$label-configure.log"; fail "configure $label"; }
  cmake --build "$dir/build-$label" >"$work/$label-build.log" 2>&1 || { cat "$work/$label-build.log"; fail "build $label"; }
  if [ -f "$dir/build-$label/CTestTestfile.cmake" ]; then
    ctest --test-dir "$dir/build-$label" --output-on-failure >"$work/$label-test.log" 2>&1 ||
      { cat "$work/$label-test.log"; fail "test $label"; }
  fi
}

# run_plugin DIR NAME OUT: the installed host runs plugin NAME (with base) from DIR.
run_plugin() {
  "$host" --plugin-dir "$1" --plugins "$2,base" --days 7 -o "$3" 2>"$work/run.log" ||
    { cat "$work/run.log"; fail "run $2 from $1"; }
}

echo "== the C++ template, out of tree, with g++ (the reference)"
cp -r "$prefix/share/trafficsim/examples/weekend_effect" "$work/weekend_effect"
build_project "$work/weekend_effect" gxx -DCMAKE_CXX_COMPILER=g++
run_plugin "$work/weekend_effect/build-gxx/plugins" weekend_effect "$work/gxx.csv"
head -1 "$work/gxx.csv" | grep -q "^timestamp,call_id,provider" || fail "header"
wrows=$(grep -c ",cust_weekend_effect_" "$work/gxx.csv" || true)
[ "$wrows" -gt 1000 ] || fail "only $wrows weekend_effect rows"
# 2025-01-04 (Saturday) against 2025-01-03 (Friday): weekend_factor 1.6.
sat=$(grep -c "^2025-01-04T.*,cust_weekend_effect_" "$work/gxx.csv" || true)
fri=$(grep -c "^2025-01-03T.*,cust_weekend_effect_" "$work/gxx.csv" || true)
[ "$sat" -gt "$fri" ] || fail "Saturday ($sat rows) should be busier than Friday ($fri)"
grep -q "weekend_effect" "$work/run.log" || fail "summary lacks the plugin"

echo "== the same template with clang++ and libc++: the same bytes"
build_project "$work/weekend_effect" libcxx -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++ -DCMAKE_MODULE_LINKER_FLAGS=-stdlib=libc++
# (To a file first: grep -q stops reading early, and under pipefail ldd's SIGPIPE would fail.)
ldd "$work/weekend_effect/build-libcxx/plugins/trafficsim_weekend_effect.so" >"$work/ldd.txt"
grep -q "libc++" "$work/ldd.txt" || fail "the libc++ build does not use libc++"
run_plugin "$work/weekend_effect/build-libcxx/plugins" weekend_effect "$work/libcxx.csv"
cmp "$work/gxx.csv" "$work/libcxx.csv" || fail "clang++/libc++ plugin output differs from the g++ build"

echo "== the same template with g++ and the old string ABI: the same bytes"
build_project "$work/weekend_effect" oldabi -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_FLAGS=-D_GLIBCXX_USE_CXX11_ABI=0
run_plugin "$work/weekend_effect/build-oldabi/plugins" weekend_effect "$work/oldabi.csv"
cmp "$work/gxx.csv" "$work/oldabi.csv" || fail "_GLIBCXX_USE_CXX11_ABI=0 plugin output differs from the g++ build"

echo "== the plugin written in C, with gcc and with clang"
cp -r "$prefix/share/trafficsim/examples/night_owl" "$work/night_owl"
build_project "$work/night_owl" gcc -DCMAKE_C_COMPILER=gcc
build_project "$work/night_owl" clang -DCMAKE_C_COMPILER=clang
run_plugin "$work/night_owl/build-gcc/plugins" night_owl "$work/c-gcc.csv"
run_plugin "$work/night_owl/build-clang/plugins" night_owl "$work/c-clang.csv"
cmp "$work/c-gcc.csv" "$work/c-clang.csv" || fail "the C plugin's output differs between gcc and clang"
nrows=$(grep -c ",cust_night_owl_" "$work/c-gcc.csv" || true)
[ "$nrows" -gt 1000 ] || fail "only $nrows night_owl rows"
daytime=$(grep -cE "^[0-9-]+T(0[4-9]|1[0-9]):.*,cust_night_owl_" "$work/c-gcc.csv" || true)
[ "$daytime" -eq 0 ] || fail "$daytime night_owl rows between 04:00 and 19:59"
"$host" --plugin-dir "$work/night_owl/build-gcc/plugins" --describe night_owl | grep -q "weekend_factor" ||
  fail "describe night_owl"

echo "== night_owl in Rust (sdk/examples/rust): the same bytes as the C plugin"
if command -v cargo >/dev/null; then
  cp -r "$prefix/share/trafficsim/examples/rust" "$work/rust"
  (cd "$work/rust" && export CARGO_TARGET_DIR="$work/rust/target" &&
    cargo build --release --offline && cargo test --offline) >"$work/rust.log" 2>&1 ||
    { cat "$work/rust.log"; fail "cargo build/test of sdk/examples/rust"; }
  mkdir -p "$work/rust/plugins"
  cp "$work/rust/target/release/libtrafficsim_night_owl.so" "$work/rust/plugins/trafficsim_night_owl.so"
  run_plugin "$work/rust/plugins" night_owl "$work/rust.csv"
  cmp "$work/c-gcc.csv" "$work/rust.csv" || fail "the Rust plugin's output differs from the C plugin's"
  "$host" --plugin-dir "$work/rust/plugins" --list-plugins | grep -q "(Rust plugin)" || fail "list the Rust night_owl"
else
  echo "(cargo is not on PATH: the Rust plugin is not built)"
fi

echo "== the distributions: the same bits from C and C++, gcc, clang and libc++"
kat="$src/tests/package/dist_kat.c"
g++ -std=c++20 -O2 -I"$prefix/include" -x c++ "$kat" -o "$work/kat-ref" || fail "build dist_kat with g++"
"$work/kat-ref" >"$work/kat-ref.txt" || fail "run dist_kat (g++)"
[ "$(wc -l <"$work/kat-ref.txt")" -eq 1000 ] || fail "dist_kat (g++) printed $(wc -l <"$work/kat-ref.txt") lines"
kat_builds=("gcc -std=c11" "clang -std=c11" "gcc -std=gnu11 -O3" "clang++ -std=c++20 -stdlib=libc++ -x c++")
# GCC's GNU modes and clang fuse a * b + c where the target has FMA; the headers turn that off.
if grep -qw fma /proc/cpuinfo; then
  kat_builds+=("gcc -std=gnu11 -mavx -mfma" "clang -std=gnu11 -mavx -mfma" "g++ -std=gnu++20 -mavx -mfma -x c++"
    "clang++ -std=c++20 -stdlib=libc++ -mavx -mfma -x c++")
fi
for b in "${kat_builds[@]}"; do
  # shellcheck disable=SC2086 # $b is a compiler and its flags
  $b -O2 -I"$prefix/include" "$kat" -o "$work/kat" -lm || fail "build dist_kat with $b"
  "$work/kat" >"$work/kat.txt" || fail "run dist_kat ($b)"
  cmp "$work/kat-ref.txt" "$work/kat.txt" || fail "the distributions built with '$b' differ from the g++ build"
done

echo "== installed into the prefix, the host finds the template with no flags"
cmake --install "$work/weekend_effect/build-gxx" --prefix "$prefix" >/dev/null
(cd "$work" && env -u TRAFFICSIM_PLUGIN_PATH "$host" --describe weekend_effect) | grep -q "evening_peak" ||
  fail "installed plugin not found"

echo "== tools/new-plugin scaffolds a project that builds and passes its own test"
"$prefix/bin/trafficsim-new-plugin" viral_spike "$work/viral_spike" >/dev/null
build_project "$work/viral_spike" gxx
"$host" --plugin-dir "$work/viral_spike/build-gxx/plugins" --plugins viral_spike --days 2 -o "$work/v.csv" 2>/dev/null ||
  fail "run viral_spike"
grep -q ",cust_viral_spike_0001," "$work/v.csv" || fail "viral_spike rows"
"$host" --plugin-dir "$work/viral_spike/build-gxx/plugins" --list-plugins | grep -q "viral_spike: a new traffic pattern" ||
  fail "viral_spike keeps the template's description"
grep -q "^CMAKE_BUILD_TYPE:STRING=Release$" "$work/viral_spike/build-gxx/CMakeCache.txt" || fail "viral_spike: not Release"
"$prefix/bin/trafficsim-new-plugin" --c --description "Paydays: the 15th and the month's last business day" payday \
  "$work/payday" >/dev/null
cmake -S "$work/payday" -B "$work/payday/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/payday.log" 2>&1 &&
  cmake --build "$work/payday/build" >>"$work/payday.log" 2>&1 &&
  ctest --test-dir "$work/payday/build" --output-on-failure >>"$work/payday.log" 2>&1 ||
  { cat "$work/payday.log"; fail "build and test payday (C)"; }
grep -q "^CMAKE_BUILD_TYPE:STRING=Release$" "$work/payday/build/CMakeCache.txt" || fail "payday: not Release by default"
"$host" --plugin-dir "$work/payday/build/plugins" --list-plugins | grep -q "Paydays: the 15th" ||
  fail "payday (C) lacks its description"
"$host" --plugin-dir "$work/payday/build/plugins" --plugins payday --days 2 -o "$work/p.csv" 2>/dev/null ||
  fail "run payday (C)"
grep -q ",cust_payday_0001," "$work/p.csv" || fail "payday rows"
"$prefix/bin/trafficsim-new-plugin" "Bad-Name" "$work/bad" 2>/dev/null && fail "a bad name was accepted"
"$prefix/bin/trafficsim-new-plugin" "a_name_longer_than_thirty_two_chars" "$work/bad" 2>/dev/null &&
  fail "a long name was accepted"

if [ -f "$prefix/lib/trafficsim/plugins/trafficsim-python.so" ]; then
  echo "== a Python scenario: scaffolded, checked by the test kit and run by the installed host"
  "$prefix/bin/trafficsim-new-plugin" --python payday "$work/py" >/dev/null || fail "new-plugin --python"
  "$prefix/bin/trafficsim-check-python" "$work/py/payday.py" | grep -q "payday: no problems found" ||
    fail "trafficsim-check-python"
  (cd "$work" && env -u TRAFFICSIM_PLUGIN_PATH "$host" --plugins "$work/py/payday.py" --days 2 -o "$work/p.csv" \
    2>/dev/null) || fail "run payday.py"
  grep -q ",cust_payday_0001," "$work/p.csv" || fail "payday rows"
  cp "$prefix/share/trafficsim/examples/python/burst.py" "$work/py/"
  "$host" --plugins "$work/py/burst.py" --days 3 -o "$work/bp.csv" 2>/dev/null || fail "run burst.py"
  "$host" --plugins burst --days 3 -o "$work/bc.csv" 2>/dev/null || fail "run burst"
  cmp -s "$work/bp.csv" "$work/bc.csv" || fail "burst.py and the burst plugin differ"
fi

echo "1 passed, 0 failed"
