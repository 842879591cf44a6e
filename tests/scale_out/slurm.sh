#!/usr/bin/env bash
# A real Slurm: munged, slurmctld and slurmd on this machine (loopback, ports of our own,
# state in a temporary folder), the documented job script submitted as a 4-task array,
# the shards joined and compared with a single run, byte for byte. Everything is stopped
# and removed at the end. Needs root (slurmd runs jobs as their users) and Debian's
# slurm-wlm and munge (tools/test installs them).
# usage: slurm.sh HOST SOURCE_DIR
set -euo pipefail
host="$1"
src="$2"
fail() { echo "FAILED: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "the Slurm test runs slurmctld and slurmd, which needs root"
for tool in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install slurm-wlm munge)"
done

work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
show_logs() { tail -n 30 "$work"/*.log >&2 2>/dev/null || true; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "== munge"
mkdir -p "$work/munge" && chmod 700 "$work/munge"
mungekey --create --keyfile="$work/munge/munge.key" >/dev/null
munged --force --socket="$work/munge/socket" --key-file="$work/munge/munge.key" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/seed" ||
  { show_logs; fail "munged did not start"; }
pids+=("$(cat "$work/munge/munged.pid")")

echo "== slurmctld and slurmd"
mkdir -p "$work/state" "$work/spool" "$work/out"
cat >"$work/slurm.conf" <<CONF
ClusterName=trafficsim
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=4000 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -i || { show_logs; fail "slurmctld did not start"; }
for _ in $(seq 50); do [ -s "$work/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -N localhost || { show_logs; fail "slurmd did not start"; }
for _ in $(seq 50); do [ -s "$work/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmd.pid")")
ready=0
for _ in $(seq 150); do
  if sinfo -h -o %T 2>/dev/null | grep -qE "^idle"; then ready=1; break; fi
  sleep 0.2
done
[ "$ready" -eq 1 ] || { sinfo >&2 || true; show_logs; fail "the node did not become idle"; }

echo "== the documented job script as a 4-task array"
export TRAFFICSIM_OUT="$work/out" TRAFFICSIM_SCALE=3 TRAFFICSIM_DAYS=5 TRAFFICSIM_HOST="$host"
export TRAFFICSIM_ARGS="--plugins base,burst,decline -q"
timeout 300 sbatch --wait --quiet --array=0-3 --cpus-per-task=1 --mem=100M --export=ALL \
  --output="$work/task-%a.log" "$src/docs/scale-out/slurm-array.sh" || { show_logs; fail "the array job failed"; }
ls "$work/out"/shard-0000{0,1,2,3}.csv.zst >/dev/null || fail "missing shards: $(ls "$work/out")"
cat "$work/out"/shard-*.csv.zst >"$work/joined.csv.zst"
"$host" -q --scale 3 --days 5 --plugins base,burst,decline -o "$work/single.csv.zst"
cmp "$work/joined.csv.zst" "$work/single.csv.zst" || fail "the joined shards differ from the single run"
echo "shards joined: $(stat -c %s "$work/joined.csv.zst") bytes, identical to the single run"

echo "== stop"
scontrol shutdown >/dev/null 2>&1 || true
echo "1 passed, 0 failed"
