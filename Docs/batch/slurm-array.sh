#!/usr/bin/env bash
# Re-map a lab's archive on a Slurm cluster: 16 array tasks, each mapping one deterministic slice of the sessions.
#   sbatch Docs/batch/slurm-array.sh /archive/sessions /archive/job.yaml /archive/metadata
# Every task writes its sessions' outputs under OUT_ROOT/<session>/ and its own catalog OUT_ROOT/shard-I-of-16.sqlite;
# the last step (run after the array: `sbatch --dependency=afterany:<array job id> …` or by hand) merges them.
#SBATCH --job-name=rigmap-batch
#SBATCH --array=0-15
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=rigmap-batch-%A_%a.log
set -euo pipefail
root=${1:?session root}
job=${2:?job.yaml}
out=${3:?output root}
shards=16   # must match --array=0-(shards-1)
# rigmap reads the task index from SLURM_ARRAY_TASK_ID (0-based with --array=0-15). A failed session makes the
# exit status 3 (some failed); the task still succeeds for Slurm so the other shards' results are kept.
rigmap batch "$root" --job "$job" --output "$out" --shard "$shards" --jobs "${SLURM_CPUS_PER_TASK:-8}" || [ $? -eq 3 ]
# After all tasks:
#   rigmap catalog merge "$out"/shard-*-of-16.sqlite --into "$out"/rigmap-catalog.sqlite
#   rigmap catalog "$out" --status failed
