#!/usr/bin/env bash
# vbt workers as a SLURM job array: one worker per array task, using the task's CPUs; each exits
# once the queue has been empty for 120 s. Submit after vbt-redis.sh is running:
#   sbatch --array=0-31 deploy/slurm/vbt-workers.sh
#SBATCH --job-name=vbt-workers
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=12:00:00
#SBATCH --requeue
set -euo pipefail
: "${VBT_QUEUE_DIR:=$HOME/vbt-queue}"
: "${VBT_HOME:=$HOME/vbt}"
url="$(cat "$VBT_QUEUE_DIR/url")"
echo "array task ${SLURM_ARRAY_TASK_ID:-0} on $(hostname): worker for $url"
exec node "$VBT_HOME/bin/vbt.js" worker --queue "$url" --threads "${SLURM_CPUS_PER_TASK:-1}" --stall-timeout 120 --exit-when-idle 120
