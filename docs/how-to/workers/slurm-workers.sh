#!/bin/bash
# nag worker processes as a Slurm array job: one worker per task, each serving the store until idle for 10 minutes.
# NOT TESTED HERE (no Slurm cluster was available); adapt partition, time and paths to your site.
# Submit:  STORE=postgresql://nag@db.example.org:5432/nagsharp sbatch --array=0-15 slurm-workers.sh
#SBATCH --job-name=nag-worker
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=04:00:00
#SBATCH --output=nag-worker-%A_%a.log
set -euo pipefail
: "${STORE:?set STORE to the experiment store URL}"
export NAGSHARP_DATA="${NAGSHARP_DATA:-$HOME/nagsharp-data}"   # the benchmark tables on the compute nodes
# A password for the URL comes from ~/.pgpass (mode 600) rather than the job script.
exec nag worker --store "$STORE" --idle-exit 600 --lease 60
