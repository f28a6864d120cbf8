#!/bin/bash
# A one-node Slurm cluster on this machine, for make test-slurm: Debian's slurm-wlm and munge,
# started by hand (PID 1 need not be systemd), configured from `slurmd -C`.
#
#   deploy/slurm/local-cluster.sh install   # the Debian packages, when missing (needs root or sudo)
#   deploy/slurm/local-cluster.sh start     # munged, slurmctld, slurmd; waits until the node is idle
#   deploy/slurm/local-cluster.sh stop      # stops what start started (by its pid files)
#
# Everything it writes lives under STATE (default /var/tmp/riskcensus-slurm): slurm.conf, the
# controller's state, logs and pid files. An existing slurm.conf elsewhere is not touched: the
# daemons and clients read this one through SLURM_CONF.
set -euo pipefail

STATE=${RISKCENSUS_SLURM_STATE:-/var/tmp/riskcensus-slurm}
CONF=$STATE/slurm.conf
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
export SLURM_CONF=$CONF

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then
    return
  fi
  echo "local-cluster: installing slurm-wlm and munge"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends slurm-wlm munge
}

write_conf() {
  $SUDO mkdir -p "$STATE/ctld" "$STATE/d" "$STATE/log"
  $SUDO chown -R slurm:slurm "$STATE/ctld" "$STATE/log"
  local host node
  host=$(hostname -s)
  node=$(slurmd -C | head -n 1)
  $SUDO tee "$CONF" >/dev/null <<CONF
# Written by deploy/slurm/local-cluster.sh: a one-node cluster for tests.
ClusterName=riskcensus
SlurmctldHost=$host
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/ctld/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MailProg=/bin/true
# A merge whose shard failed is cancelled, not left pending (Slurm 22.05).
DependencyParameters=kill_invalid_depend
# Jobs start as soon as CPUs free up, instead of after the default batch delay of up to 3 s:
# the census's array tasks and merge are few, short and back to back.
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0
# A job asking for more CPUs than the node has is refused at submission.
EnforcePartLimits=ALL
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
$node
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  install
  # munge: its runtime folder owned by munge, the daemon run as munge.
  $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
  $SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if [ ! -s /etc/munge/munge.key ]; then
    $SUDO dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  $SUDO chown munge:munge /etc/munge/munge.key
  $SUDO chmod 400 /etc/munge/munge.key
  if ! pgrep -x munged >/dev/null; then
    $SUDO runuser -u munge -- /usr/sbin/munged
    touch "$STATE.munged-started" 2>/dev/null || $SUDO touch "$STATE.munged-started"
  fi
  write_conf
  pgrep -x slurmctld >/dev/null || $SUDO env SLURM_CONF="$CONF" slurmctld
  pgrep -x slurmd >/dev/null || $SUDO env SLURM_CONF="$CONF" slurmd
  # Wait for the node to be up and idle (a few seconds).
  for _ in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx 'idle'; then
      echo "local-cluster: up ($(sinfo -h -o '%N %c CPUs %m MB'))"
      return
    fi
    sleep 1
  done
  echo "local-cluster: the node did not come up; logs in $STATE/log" >&2
  tail -n 20 "$STATE/log/slurmctld.log" "$STATE/log/slurmd.log" >&2 || true
  exit 1
}

stop() {
  for pidfile in "$STATE/slurmd.pid" "$STATE/ctld/slurmctld.pid"; do
    if [ -f "$pidfile" ]; then
      $SUDO kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
  done
  if [ -f "$STATE.munged-started" ]; then
    $SUDO pkill -x munged || true
    $SUDO rm -f "$STATE.munged-started"
  fi
  for _ in $(seq 1 20); do
    if ! pgrep -x slurmctld >/dev/null && ! pgrep -x slurmd >/dev/null; then break; fi
    sleep 0.5
  done
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
