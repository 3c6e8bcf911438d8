#!/usr/bin/env bash
# A real SLURM cluster of one node on this machine, for the SLURM scenario tests (Debian 12, root).
#   tests/slurm/local-cluster.sh up     install munge and SLURM if missing, start the daemons, wait
#                                       until the node is idle; nothing to do when already up
#   tests/slurm/local-cluster.sh down   cancel the cluster's jobs and stop the daemons it started
#
# The cluster: partitions `debug` (default) and `high`, whose jobs preempt and requeue debug jobs;
# MpiDefault=pmix (Debian's Open MPI has no PMI-2); a requeued job may restart after ~12 s (the
# credential lifetime, 10 s, plus the scheduler's 2 s). Its state, logs, munge key and PID files live
# under $ATTNMF_SLURM_DIR (default /tmp/attnmf-slurm); outside it only the packages,
# /etc/slurm/slurm.conf (so that sbatch, srun and sinfo find it) and, when the host name does not
# resolve, one line of /etc/hosts are written. `down` signals only the PIDs its own files name.
set -euo pipefail

base=${ATTNMF_SLURM_DIR:-/tmp/attnmf-slurm}
run=$base/run log=$base/log state=$base/state spool=$base/spool munge_dir=$base/munge
socket=$munge_dir/run/munge.socket.2
conf=/etc/slurm/slurm.conf
marker='# written by attnmf tests/slurm/local-cluster.sh'

say() { echo "[local-cluster] $*"; }
die() { echo "[local-cluster] error: $*" >&2; exit 1; }
running() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
node_idle() { [[ $(sinfo -h -N -o %T 2>/dev/null | sort -u) == idle ]]; }
# until SECONDS WHAT COMMAND...: polls every 0.2 s, fails naming WHAT.
until_ok() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what: still not ready after ${limit} s (logs in $log)"
    sleep 0.2
  done
}

stop_daemon() {  # NAME PIDFILE
  local name=$1 file=$2 pid
  [[ -s $file ]] || return 0
  pid=$(cat "$file")
  # A PID file can outlive its process and its number be reused: signal only that daemon.
  if kill -0 "$pid" 2>/dev/null && [[ $(ps -o comm= -p "$pid") == "$name" ]]; then
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    say "stopped $name ($pid)"
  fi
  rm -f "$file"
}

down() {
  if running "$run/slurmctld.pid"; then
    local ids
    ids=$(squeue -h -o %A 2>/dev/null || true)
    if [[ -n $ids ]]; then
      say "cancelling jobs $(echo $ids)"
      scancel $ids 2>/dev/null || true
      for _ in $(seq 150); do [[ -z $(squeue -h -t R,CG,S -o %A 2>/dev/null) ]] && break; sleep 0.2; done
    fi
  fi
  stop_daemon slurmd "$run/slurmd.pid"
  stop_daemon slurmctld "$run/slurmctld.pid"
  stop_daemon munged "$munge_dir/run/munged.pid"
}

install_packages() {
  local missing=() p
  for p in munge slurmctld slurmd slurm-client; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  # The packages' scripts would start system-wide munge and SLURM services, which would take the
  # default socket and fail without a configuration: forbid service starts while installing.
  local policy=/usr/sbin/policy-rc.d added=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added=1
  fi
  apt-cache policy slurmctld 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -q >"$log/apt.log" 2>&1
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log/apt.log" 2>&1 || rc=$?
  ((added)) && rm -f "$policy"
  ((rc == 0)) || { tail -n 20 "$log/apt.log"; die "apt-get install ${missing[*]} failed"; }
}

write_config() {
  local host=$1 node
  node=$(slurmd -C 2>/dev/null | grep '^NodeName=' | head -n 1)
  [[ -n $node ]] || die "slurmd -C describes no node"
  # Announce 90 % of the memory, so that the node is never drained for a few MB of fluctuation.
  local memory
  memory=$(grep -oP 'RealMemory=\K[0-9]+' <<<"$node")
  node=${node/RealMemory=$memory/RealMemory=$((memory * 9 / 10))}
  mkdir -p /etc/slurm
  if [[ -e $conf ]] && ! grep -qF "$marker" "$conf"; then
    cp -a "$conf" "$conf.before-attnmf.$(date +%s)"
    say "kept the existing $conf as $conf.before-attnmf.*"
  fi
  cat >"$conf" <<EOF
$marker
ClusterName=attnmftest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket,cred_expire=10
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$state
SlurmdSpoolDir=$spool
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdLogFile=$log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
JobRequeue=1
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
KillWait=10
MinJobAge=600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1
PartitionName=high Nodes=ALL Default=NO MaxTime=INFINITE State=UP PriorityTier=10
EOF
}

up() {
  [[ $(id -u) == 0 ]] || die "must run as root"
  if running "$munge_dir/run/munged.pid" && running "$run/slurmctld.pid" && running "$run/slurmd.pid" && node_idle; then
    say "already up"
    return 0
  fi
  down  # whatever part of an earlier cluster still runs
  mkdir -p "$run" "$log"
  install_packages
  local host
  host=$(hostname -s)
  if ! getent hosts "$host" >/dev/null; then
    echo "127.0.0.1 $host  # attnmf local-cluster.sh" >>/etc/hosts
    say "$host did not resolve: added it to /etc/hosts"
  fi
  rm -rf "$state" "$spool"
  mkdir -p "$state" "$spool" "$munge_dir/run" "$munge_dir/lib" "$munge_dir/log"
  rm -f "$socket" "$socket.lock"
  [[ -s $munge_dir/munge.key ]] || mungekey --create --keyfile="$munge_dir/munge.key" 2>/dev/null \
    || dd if=/dev/urandom of="$munge_dir/munge.key" bs=1024 count=1 status=none
  chown -R munge:munge "$munge_dir"
  chmod 0755 "$munge_dir" "$munge_dir/run"  # every user reaches the socket
  chmod 0700 "$munge_dir/lib" "$munge_dir/log"
  chmod 0400 "$munge_dir/munge.key"
  write_config "$host"

  runuser -u munge -- /usr/sbin/munged --socket="$socket" --key-file="$munge_dir/munge.key" \
    --pid-file="$munge_dir/run/munged.pid" --log-file="$munge_dir/log/munged.log" \
    --seed-file="$munge_dir/lib/munged.seed" || die "munged did not start (log: $munge_dir/log/munged.log)"
  until_ok 10 munged bash -c "munge -n -S '$socket' | unmunge -S '$socket'"
  slurmctld || die "slurmctld did not start (log: $log/slurmctld.log)"
  until_ok 30 slurmctld bash -c "scontrol ping | grep -q 'is UP'"
  slurmd || die "slurmd did not start (log: $log/slurmd.log)"
  until_ok 10 slurmd test -s "$run/slurmd.pid"
  local deadline=$((SECONDS + 60))
  until node_idle; do
    ((SECONDS < deadline)) || { sinfo -R; die "the node is not idle after 60 s (log: $log/slurmd.log)"; }
    case $(sinfo -h -N -o %T 2>/dev/null) in
      *drain* | *down*) scontrol update NodeName="$host" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.2
  done
  say "up: $(sinfo -h -o '%P %D %c' | tr '\n' ' ')"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
