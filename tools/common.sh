# Shared set-up for tools/run, tools/test and tools/bench: install missing Debian
# packages, then configure and build a preset if it is missing or stale.
# shellcheck shell=bash

TRAFFICSIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Plugins are refused if group- or world-writable: build them with safe permissions.
umask 022

# What running needs: the compiler, CMake and the libraries the host and the in-tree
# plugins link (Debian 12 names). tools/run installs only these.
TRAFFICSIM_RUN_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libtbb-dev libcli11-dev libspdlog-dev libfmt-dev
  gcc libdeflate-dev libzstd-dev libtomlplusplus-dev gzip zstd nlohmann-json3-dev
  # -o postgresql://... (libpq), -o http(s)://... (libcurl with OpenSSL), reading .gz
  # datasets back (report, fit).
  libpq-dev libcurl4-openssl-dev zlib1g-dev
  # Loading plugins: Boost.DLL (header-only), and libelf to read a file's exported
  # symbols before it is loaded.
  libboost-dev libelf-dev
  # Scenarios written in Python: CPython's embedding files (plugins/python).
  python3-dev
)
# What the tests, the benchmarks and the fuzzers add (tools/test, tools/bench, tools/fuzz).
TRAFFICSIM_TEST_PACKAGES=(
  libgtest-dev libgmock-dev libbenchmark-dev
  time pigz
  # The plugin boundary's proof (tests/package): plugins built with clang and libc++.
  clang libc++-14-dev libc++abi-14-dev
  # ... and a plugin written in Rust (sdk/examples/rust; Debian's rustc 1.63).
  cargo
  # The fuzzers (tools/fuzz): libFuzzer and the sanitizers' runtimes for clang.
  libclang-rt-14-dev
  # The code checks (tools/lint): formatting and clang-tidy.
  clang-format-14 clang-tidy-14
  # The scale-out test (tests/scale_out): a real single-node Slurm.
  slurm-wlm munge
  # The real PostgreSQL the sink's tests start, and the browser that checks the report.
  postgresql chromium
  # The consumer tests (tests/consumers): the formats read by their users' libraries, npm
  # packages run by Node.js (npm itself: ensure_consumers).
  nodejs
)

log() { printf '%s\n' "$*" >&2; }

# ensure_packages [run]: install what is missing of the run's packages, or (without
# `run`) of everything the tests need as well.
ensure_packages() {
  local wanted=("${TRAFFICSIM_RUN_PACKAGES[@]}")
  [ "${1:-}" = run ] || wanted+=("${TRAFFICSIM_TEST_PACKAGES[@]}")
  local missing=()
  local p
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    log "tools: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
      log "tools: apt-get failed to install: ${missing[*]}"
      exit 1
    }
  else
    log "tools: missing packages; install them with:"
    log "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
}

# The consumer tests' npm packages, as tests/consumers/package-lock.json pins them, into
# tests/consumers/node_modules with npm ci (again when the lock file changes).
ensure_consumers() {
  local dir="$TRAFFICSIM_ROOT/tests/consumers"
  local stamp="$dir/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then return 0; fi
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >&2 || {
        log "tools: apt-get failed to install npm"
        exit 1
      }
    else
      log "tools: npm is missing; install it with: sudo apt-get install -y npm"
      exit 1
    fi
  fi
  log "tools: installing the consumer tests' npm packages (npm ci in tests/consumers)"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts >&2) || {
    log "tools: npm ci failed in tests/consumers (is the npm registry reachable?)"
    exit 1
  }
}

# build_preset PRESET [extra cmake -D options...]: configure once, then build (a no-op
# when nothing changed). Build output goes to stderr so stdout stays the data's.
# TRAFFICSIM_BUILD_TARGETS="t1 t2" builds only those targets (and what they depend on).
build_preset() {
  local preset="$1"
  shift
  local dir="$TRAFFICSIM_ROOT/build/$preset"
  if [ ! -f "$dir/CMakeCache.txt" ] || [ "$#" -gt 0 ]; then
    cmake -S "$TRAFFICSIM_ROOT" --preset "$preset" "$@" >&2 || exit 1
  fi
  local targets=()
  if [ -n "${TRAFFICSIM_BUILD_TARGETS:-}" ]; then
    # shellcheck disable=SC2206
    targets=(--target ${TRAFFICSIM_BUILD_TARGETS})
  fi
  cmake --build "$dir" "${targets[@]}" >&2 || exit 1
}
