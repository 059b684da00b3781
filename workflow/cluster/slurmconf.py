"""Configuration of the one-node SLURM test cluster (``make cluster-test``): pure functions, no side effects.

One node on 127.0.0.1 sized from the machine (CPUs this process may use, 90 % of the memory), two partitions on
it (``cpu``, the default, and ``gpu``, which has no GPUs: the profile's GPU routing and its failure message are
exercised), accounting through ``slurmdbd`` on a private MariaDB (the executor plugin polls ``sacct``; without
accounting it never learns that a job ended). Every path, port and socket lives in the test's state folder:
nothing under /etc is read or written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CLUSTER = "omicslib"
ACCOUNT = "omicslib"
PARTITION = "cpu"
GPU_PARTITION = "gpu"
#: SLURM's memory unit is MB; RealMemory is this share of the machine's memory (slurmd drains a node that
#: reports less memory than configured; a little less is always accepted).
MEMORY_SHARE = 0.9


@dataclass(frozen=True)
class Ports:
    slurmctld: int
    slurmd: int
    slurmdbd: int
    mysql: int


def mem_total_mb(meminfo: str) -> int:
    """MemTotal of /proc/meminfo (kB) in MB."""
    m = re.search(r"^MemTotal:\s+(\d+)\s*kB", meminfo, re.M)
    if not m:
        raise ValueError("no MemTotal line in /proc/meminfo")
    return int(m.group(1)) // 1024


def node_size(cpus: int, meminfo: str) -> tuple[int, int]:
    """(CPUs, RealMemory MB) of the node: every CPU this process may use, ``MEMORY_SHARE`` of the memory."""
    if cpus < 1:
        raise ValueError(f"cpus must be >= 1, got {cpus}")
    return cpus, int(mem_total_mb(meminfo) * MEMORY_SHARE)


def slurm_conf(*, host: str, cpus: int, mem_mb: int, state: Path, ports: Ports, munge_socket: Path,
               accounting: bool = True) -> str:
    """slurm.conf of the one-node cluster: controller and node ``host`` on 127.0.0.1, everything under ``state``.

    Root runs the daemons and the jobs (SlurmUser/SlurmdUser root); no cgroups (containers rarely allow them):
    processes are tracked by /proc, memory is a scheduling request, not a limit.
    """
    state = Path(state)
    acct = (["AccountingStorageType=accounting_storage/slurmdbd", "AccountingStorageHost=127.0.0.1",
             f"AccountingStoragePort={ports.slurmdbd}", "AccountingStorageEnforce=associations",
             # the munge socket for slurmdbd connections (sacct, sacctmgr, slurmctld): AuthInfo is not used there
             f"AccountingStoragePass={munge_socket}",
             "JobAcctGatherType=jobacct_gather/linux", "JobAcctGatherFrequency=30"]
            if accounting else ["AccountingStorageType=accounting_storage/none", "JobAcctGatherType=jobacct_gather/none"])
    lines = [
        f"ClusterName={CLUSTER}",
        f"SlurmctldHost={host}(127.0.0.1)",
        f"SlurmctldPort={ports.slurmctld}",
        f"SlurmdPort={ports.slurmd}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={munge_socket}",
        f"StateSaveLocation={state / 'slurmctld'}",
        f"SlurmdSpoolDir={state / 'slurmd'}",
        f"SlurmctldPidFile={state / 'slurmctld.pid'}",
        f"SlurmdPidFile={state / 'slurmd.pid'}",
        f"SlurmctldLogFile={state / 'slurmctld.log'}",
        f"SlurmdLogFile={state / 'slurmd.log'}",
        "SlurmctldDebug=info",
        "SlurmdDebug=info",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "MpiDefault=none",
        "SchedulerType=sched/backfill",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "ReturnToService=2",
        "SlurmctldTimeout=60",
        "SlurmdTimeout=60",
        "InactiveLimit=0",
        "MinJobAge=300",
        "KillWait=5",
        "Waittime=0",
        *acct,
        "JobCompType=jobcomp/none",
        f"NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN",
        f"PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP",
        f"PartitionName={GPU_PARTITION} Nodes={host} Default=NO MaxTime=INFINITE State=UP",
    ]
    return "\n".join(lines) + "\n"


def slurmdbd_conf(*, host: str, state: Path, ports: Ports, munge_socket: Path, db_user: str, db_password: str) -> str:
    """slurmdbd.conf (slurmdbd refuses it unless its mode is 600): the daemon on 127.0.0.1, the database on the
    private MariaDB at ``ports.mysql``."""
    state = Path(state)
    return "\n".join([
        "AuthType=auth/munge",
        f"AuthInfo=socket={munge_socket}",
        f"DbdHost={host}",
        "DbdAddr=127.0.0.1",
        f"DbdPort={ports.slurmdbd}",
        "SlurmUser=root",
        "DebugLevel=info",
        f"LogFile={state / 'slurmdbd.log'}",
        f"PidFile={state / 'slurmdbd.pid'}",
        "StorageType=accounting_storage/mysql",
        "StorageHost=127.0.0.1",
        f"StoragePort={ports.mysql}",
        f"StorageUser={db_user}",
        f"StoragePass={db_password}",
        "StorageLoc=slurm_acct_db",
    ]) + "\n"


def parse_sinfo_nodes(text: str) -> dict[str, str]:
    """``sinfo -h -N -o '%N %t'`` -> {node: state} (``idle``, ``mix``, ``alloc``, ``down*``, ...)."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: ([^)]+)\)")


@dataclass(frozen=True)
class Submission:
    job: int          # Snakemake's job id
    slurm_id: str     # sbatch's job id
    rule: str         # from the SLURM log path, .../rule_<rule>/[<wildcards>/]<slurm id>.log
    log: str


def submissions(log: str) -> list[Submission]:
    """Every ``sbatch`` of the slurm executor in a Snakemake log, in order."""
    out = []
    for job, slurm_id, path in SUBMITTED.findall(log):
        m = re.search(r"/rule_([A-Za-z0-9_]+)/", path)
        out.append(Submission(int(job), slurm_id, m.group(1) if m else "?", path))
    return out


def parse_sacct(text: str) -> dict[str, str]:
    """``sacct -n -X -P -o JobID,State`` -> {job id: state} (``CANCELLED by 0`` -> ``CANCELLED``)."""
    out = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) >= 2 and parts[0]:
            out[parts[0]] = parts[1].split()[0] if parts[1] else ""
    return out
