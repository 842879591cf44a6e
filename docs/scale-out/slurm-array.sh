#!/bin/bash
# A Slurm job array: 16 tasks, each generating one time slice of the dataset.
# trafficsim-host --shard-from-env reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and
# SLURM_ARRAY_TASK_COUNT, so the array's range needs no other setting.
# Submit: sbatch docs/scale-out/slurm-array.sh
# Join:   cat /scratch/calls/shard-*.csv.zst > calls.csv.zst   (zero-padded names sort in order)
#SBATCH --job-name=trafficsim
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=01:00:00
set -euo pipefail
mkdir -p /scratch/calls
trafficsim-host --shard-from-env --threads "$SLURM_CPUS_PER_TASK" --scale 1000 --days 365 \
  -o "/scratch/calls/shard-$(printf %05d "$SLURM_ARRAY_TASK_ID").csv.zst"
