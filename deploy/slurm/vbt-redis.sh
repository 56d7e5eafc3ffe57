#!/usr/bin/env bash
# Redis for vbt's queue as a SLURM job: AOF in $VBT_QUEUE_DIR, and its URL written to
# $VBT_QUEUE_DIR/url for the workers (vbt-workers.sh) and the coordinator to read.
#SBATCH --job-name=vbt-redis
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=24:00:00
set -euo pipefail
: "${VBT_QUEUE_DIR:=$HOME/vbt-queue}"
mkdir -p "$VBT_QUEUE_DIR"
port="${VBT_REDIS_PORT:-6379}"
echo "redis://$(hostname -f):${port}/0" > "$VBT_QUEUE_DIR/url.tmp"
mv "$VBT_QUEUE_DIR/url.tmp" "$VBT_QUEUE_DIR/url"
# protected-mode off: the workers connect from other nodes; keep this port inside the cluster
exec redis-server --port "$port" --bind 0.0.0.0 --protected-mode no --dir "$VBT_QUEUE_DIR" \
  --appendonly yes --appendfsync everysec --maxmemory-policy noeviction
