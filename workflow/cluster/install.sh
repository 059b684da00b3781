#!/usr/bin/env bash
# Debian's SLURM for `make cluster-test`: slurm-wlm (slurmctld, slurmd, clients), slurmdbd, munge, mariadb-server.
# Exit 0: installed (or already there). Exit 3: this machine cannot run the test (the reason on stdout): no root,
# no apt-get, or the Debian mirror unreachable. No service is started: the packages' init scripts are held back by a
# temporary /usr/sbin/policy-rc.d (only when none exists), so nothing is left running after the install.
set -uo pipefail

skip() { echo "SKIP: make cluster-test: $*"; exit 3; }

BINARIES=(slurmctld slurmd slurmdbd sbatch srun sinfo sacct sacctmgr scontrol munged munge unmunge mariadbd mariadb-install-db mariadb)
missing=()
for b in "${BINARIES[@]}"; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "cluster-test: SLURM $(dpkg-query -W -f '${Version}' slurm-wlm 2>/dev/null), munge and MariaDB already installed"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || skip "needs root to install Debian's slurm-wlm, slurmdbd, munge and mariadb-server (missing: ${missing[*]})"
command -v apt-get >/dev/null 2>&1 || skip "needs apt-get (Debian or Ubuntu) for slurm-wlm, slurmdbd, munge, mariadb-server"

export DEBIAN_FRONTEND=noninteractive
echo "cluster-test: apt-get update (missing: ${missing[*]})"
timeout 300 apt-get update -qq -o DPkg::Lock::Timeout=300 >/tmp/cluster-test-apt-update.log 2>&1 \
  || skip "the Debian mirror is not reachable (apt-get update failed: $(tail -n 2 /tmp/cluster-test-apt-update.log | tr '\n' ' '))"

policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# written by workflow/cluster/install.sh for the duration of an install: start no service\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  own_policy=1
  trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT
fi
echo "cluster-test: apt-get install slurm-wlm slurmdbd munge mariadb-server"
if ! timeout 900 apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
      slurm-wlm slurm-client slurmdbd munge mariadb-server mariadb-client >/tmp/cluster-test-apt-install.log 2>&1; then
  tail -n 20 /tmp/cluster-test-apt-install.log
  skip "apt-get install of slurm-wlm, slurmdbd, munge, mariadb-server failed (log above)"
fi
echo "cluster-test: installed SLURM $(dpkg-query -W -f '${Version}' slurm-wlm 2>/dev/null)"
