"""The SLURM test cluster's configuration (workflow/cluster/slurmconf.py) and the slurm profile's settings, without
SLURM: `make cluster-test` runs them on a real one-node cluster."""

import importlib.util
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("slurmconf", ROOT / "workflow" / "cluster" / "slurmconf.py")
slurmconf = importlib.util.module_from_spec(SPEC)
sys.modules["slurmconf"] = slurmconf   # dataclasses look their module up there
SPEC.loader.exec_module(slurmconf)

MEMINFO = "MemTotal:       24683212 kB\nMemFree:        18318940 kB\n"
PORTS = slurmconf.Ports(slurmctld=7001, slurmd=7002, slurmdbd=7003, mysql=7004)


def _conf(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith(("NodeName", "Partition")))


def test_node_sized_from_the_machine():
    assert slurmconf.mem_total_mb(MEMINFO) == 24104
    assert slurmconf.node_size(2, MEMINFO) == (2, int(24104 * 0.9))


def test_slurm_conf_one_node_on_localhost(tmp_path):
    text = slurmconf.slurm_conf(host="vm", cpus=2, mem_mb=21693, state=tmp_path, ports=PORTS,
                                munge_socket=tmp_path / "munge.socket")
    conf = _conf(text)
    assert conf["SlurmctldHost"] == "vm(127.0.0.1)" and conf["SlurmctldPort"] == "7001" and conf["SlurmdPort"] == "7002"
    assert "NodeName=vm NodeAddr=127.0.0.1 CPUs=2 RealMemory=21693 State=UNKNOWN" in text.splitlines()
    # accounting: the executor plugin polls sacct; slurmdbd connections authenticate through AccountingStoragePass
    assert conf["AccountingStorageType"] == "accounting_storage/slurmdbd" and conf["AccountingStoragePort"] == "7003"
    assert conf["AccountingStoragePass"] == conf["AuthInfo"].removeprefix("socket=") == str(tmp_path / "munge.socket")
    parts = [line for line in text.splitlines() if line.startswith("PartitionName=")]
    assert [p.split()[0] for p in parts] == ["PartitionName=cpu", "PartitionName=gpu"] and "Default=YES" in parts[0]
    assert all(str(tmp_path) in conf[k] for k in ("StateSaveLocation", "SlurmdSpoolDir", "SlurmctldLogFile"))
    assert _conf(slurmconf.slurm_conf(host="vm", cpus=1, mem_mb=1000, state=tmp_path, ports=PORTS, munge_socket=tmp_path,
                                      accounting=False))["AccountingStorageType"] == "accounting_storage/none"


def test_slurmdbd_conf(tmp_path):
    conf = _conf(slurmconf.slurmdbd_conf(host="vm", state=tmp_path, ports=PORTS, munge_socket=tmp_path / "s",
                                         db_user="slurm", db_password="pw"))
    assert conf["DbdPort"] == "7003" and conf["StoragePort"] == "7004" and conf["StorageHost"] == "127.0.0.1"
    assert conf["StorageType"] == "accounting_storage/mysql" and conf["StoragePass"] == "pw"


def test_submissions_and_states_from_logs():
    log = ("Job 4 has been submitted with SLURM jobid 12 (log: /r/.snakemake/slurm_logs/rule_nb_p3_04_x/12.log).\n"
           "Job 7 has been submitted with SLURM jobid 13 (log: /r/.snakemake/slurm_logs/rule_grid_p3_06_y/"
           "methodDMACL-dataTCGA_BRCA-seed0/13.log).\n")
    subs = slurmconf.submissions(log)
    assert [(s.job, s.slurm_id, s.rule) for s in subs] == [(4, "12", "nb_p3_04_x"), (7, "13", "grid_p3_06_y")]
    assert slurmconf.parse_sacct("12|COMPLETED\n13|CANCELLED by 0\n\n") == {"12": "COMPLETED", "13": "CANCELLED"}
    assert slurmconf.parse_sinfo_nodes("vm idle\nn2 down*\n") == {"vm": "idle", "n2": "down*"}


def test_slurm_profile_reads_the_environment():
    """Account and partitions come from SLURM_ACCOUNT / SLURM_PARTITION / SLURM_GPU_PARTITION (no <placeholder> to
    edit); a string inside the quotes (Snakemake evaluates resource values: an account like 2024-01 stays a name);
    memory per CPU, so that a job at threads=1 fits a small node; notebook jobs retried once."""
    prof = yaml.safe_load((ROOT / "workflow" / "profiles" / "slurm" / "config.yaml").read_text())
    res = prof["default-resources"]
    assert res["slurm_account"] == "'$SLURM_ACCOUNT'" and res["slurm_partition"] == "'$SLURM_PARTITION'"
    assert "mem_mb" not in res and res["mem_mb_per_cpu"] > 0
    assert prof["executor"] == "slurm" and prof["latency-wait"] >= 30
    settings = yaml.safe_load((ROOT / "workflow" / "profiles" / "slurm" / "settings.yaml").read_text())
    assert settings["gpu_partition"] == "$SLURM_GPU_PARTITION" and settings["retries"] >= 1
    text = "\n".join((ROOT / "workflow" / "profiles" / "slurm" / f).read_text() for f in ("config.yaml", "settings.yaml"))
    assert not re.search(r"<[A-Z_]+>", text), "a <PLACEHOLDER> left in the slurm profile"
