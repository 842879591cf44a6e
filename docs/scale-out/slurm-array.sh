#!/bin/bash
# A Slurm job array: 16 tasks, each generating one time slice of the dataset.
# trafficsim-host --shard-from-env reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and
# SLURM_ARRAY_TASK_COUNT, so the array's range needs no other setting.
# Submit: sbatch docs/scale-out/slurm-array.sh
#         (another size: sbatch --array=0-63 ...; the settings below from the environment:
#          TRAFFICSIM_OUT=/scratch/calls TRAFFICSIM_SCALE=1000 TRAFFICSIM_DAYS=365
#          TRAFFICSIM_HOST=trafficsim-host TRAFFICSIM_ARGS="--set burst.probability=0.3")
# Join:   cat /scratch/calls/shard-*.csv.zst > calls.csv.zst   (zero-padded names sort in order)
#SBATCH --job-name=trafficsim
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=01:00:00
set -euo pipefail
out="${TRAFFICSIM_OUT:-/scratch/calls}"
mkdir -p "$out"
# shellcheck disable=SC2086 # TRAFFICSIM_ARGS holds several arguments
"${TRAFFICSIM_HOST:-trafficsim-host}" --shard-from-env --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --scale "${TRAFFICSIM_SCALE:-1000}" --days "${TRAFFICSIM_DAYS:-365}" ${TRAFFICSIM_ARGS:-} \
  -o "$out/shard-$(printf %05d "$SLURM_ARRAY_TASK_ID").csv.zst"
