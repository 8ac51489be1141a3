#!/usr/bin/env bash
# Re-map a lab's archive on a Slurm cluster by hand: 16 array tasks, each mapping one deterministic slice of the
# sessions. (`rigmap batch ROOT --job JOB --output OUT --scheduler slurm --shards 16` writes a script like this one to
# OUT/.rigmap/, submits it and the merge after it, and can --wait and --resume: see the README, "On a cluster".)
#   sbatch Docs/batch/slurm-array.sh /archive/sessions /archive/job.yaml /archive/metadata
# Every task writes its sessions' outputs under OUT_ROOT/<session>/, its own catalog OUT_ROOT/shard-I-of-16.sqlite and
# its report OUT_ROOT/batch_report-shard-I-of-16.json; the last step merges them (after the array:
# `sbatch --dependency=afterany:<array job id> --wrap "rigmap batch-merge OUT_ROOT --shards 16"`, or by hand).
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
# --shard auto: the shard's index is SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN) and the number of shards
# SLURM_ARRAY_TASK_COUNT, both set by sbatch --array. A failed session makes the exit status 3 (some failed); the task
# still succeeds for Slurm, since its report and catalog list the failures.
rigmap batch "$root" --job "$job" --output "$out" --shard auto --jobs "${SLURM_CPUS_PER_TASK:-8}" || [ $? -eq 3 ]
# After all tasks:
#   rigmap batch-merge "$out" --shards 16
#   rigmap catalog "$out" --status failed
