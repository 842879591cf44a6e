#!/usr/bin/env bash
# The packaging test: install the build to a temporary prefix, build the template plugin
# and a freshly scaffolded one out of tree against it with find_package, run their own
# tests, and load them with the installed host.
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
[ -f "$prefix/include/trafficsim/sdk.hpp" ] || fail "no installed SDK headers"
[ -f "$prefix/include/trafficsim/testkit.hpp" ] || fail "no installed test kit"

echo "== the installed host finds the installed plugins with no flags"
(cd "$work" && env -u TRAFFICSIM_PLUGIN_PATH "$host" --list-plugins) >"$work/list.txt"
for p in base seasonal burst decline; do
  grep -q "^$p " "$work/list.txt" || fail "installed host does not list $p"
  grep -q "$prefix/lib/trafficsim/plugins/trafficsim_$p.so" "$work/list.txt" || fail "$p not from the prefix"
done
"$host" --version | grep -q "SDK 1.0.0, plugin ABI 1" || fail "--version"

build_project() {  # DIR NAME
  cmake -S "$1" -B "$1/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    >"$work/$2-configure.log" 2>&1 || { cat "$work/$2-configure.log"; fail "configure $2"; }
  cmake --build "$1/build" >"$work/$2-build.log" 2>&1 || { cat "$work/$2-build.log"; fail "build $2"; }
  ctest --test-dir "$1/build" --output-on-failure >"$work/$2-test.log" 2>&1 || { cat "$work/$2-test.log"; fail "test $2"; }
  [ -f "$1/build/plugins/trafficsim_$2.so" ] || fail "no plugin library for $2"
}

echo "== the template project, out of tree, with find_package(trafficsim)"
cp -r "$prefix/share/trafficsim/examples/weekend_effect" "$work/weekend_effect"
build_project "$work/weekend_effect" weekend_effect

echo "== the installed host runs it"
"$host" --plugin-dir "$work/weekend_effect/build/plugins" --plugins weekend_effect,base --days 7 \
  -o "$work/out.csv" 2>"$work/run.log" || { cat "$work/run.log"; fail "run weekend_effect"; }
head -1 "$work/out.csv" | grep -q "^timestamp,call_id,provider" || fail "header"
wrows=$(grep -c ",cust_weekend_effect_" "$work/out.csv" || true)
[ "$wrows" -gt 1000 ] || fail "only $wrows weekend_effect rows"
# 2025-01-04 (Saturday) against 2025-01-03 (Friday): weekend_factor 1.6.
sat=$(grep -c "^2025-01-04T.*,cust_weekend_effect_" "$work/out.csv" || true)
fri=$(grep -c "^2025-01-03T.*,cust_weekend_effect_" "$work/out.csv" || true)
[ "$sat" -gt "$fri" ] || fail "Saturday ($sat rows) should be busier than Friday ($fri)"
grep -q "weekend_effect" "$work/run.log" || fail "summary lacks the plugin"

echo "== installed into the prefix, the host finds it with no flags"
cmake --install "$work/weekend_effect/build" --prefix "$prefix" >/dev/null
(cd "$work" && env -u TRAFFICSIM_PLUGIN_PATH "$host" --describe weekend_effect) | grep -q "evening_peak" ||
  fail "installed plugin not found"

echo "== tools/new-plugin scaffolds a project that builds and passes its own test"
"$prefix/bin/trafficsim-new-plugin" viral_spike "$work/viral_spike" >/dev/null
build_project "$work/viral_spike" viral_spike
"$host" --plugin-dir "$work/viral_spike/build/plugins" --plugins viral_spike --days 2 -o "$work/v.csv" 2>/dev/null ||
  fail "run viral_spike"
grep -q ",cust_viral_spike_0001," "$work/v.csv" || fail "viral_spike rows"
"$prefix/bin/trafficsim-new-plugin" "Bad-Name" "$work/bad" 2>/dev/null && fail "a bad name was accepted"

echo "1 passed, 0 failed"
