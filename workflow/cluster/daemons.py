"""Start and stop the one-node SLURM test cluster: munged, MariaDB, slurmdbd, slurmctld, slurmd.

Every daemon runs in the foreground as a child of this process (its PID recorded in ``<state>/pids.json``), with
its configuration, sockets, ports, logs and data in the state folder (default ``/tmp/omicslib-cluster``): nothing
under /etc, /var or /run is used, no system service is started. ``stop`` ends exactly the recorded PIDs (SIGTERM,
then SIGKILL after a grace period), jobs first (``scancel``).

    python workflow/cluster/daemons.py start      # prints the SLURM_CONF line to export
    python workflow/cluster/daemons.py stop
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slurmconf  # noqa: E402

STATE = Path(os.environ.get("OMICSLIB_CLUSTER_STATE", "/tmp/omicslib-cluster"))
#: start order; stop runs in reverse
DAEMONS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd")


class EnvironmentProblem(RuntimeError):
    """The machine cannot run the test cluster (a daemon does not start): the test is skipped, not failed."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, timeout: float, procs: dict | None = None, interval: float = 0.5):
    """Poll ``check()`` until truthy; fail early when one of ``procs`` (name -> Popen) has exited."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        for name, p in (procs or {}).items():
            if p.poll() is not None:
                raise EnvironmentProblem(f"{name} exited with {p.returncode} while waiting for {what}; "
                                         f"see {STATE / (name + '.log')}")
        try:
            if check():
                return
        except (OSError, subprocess.SubprocessError):
            pass
        time.sleep(interval)
    raise EnvironmentProblem(f"timed out after {timeout:.0f} s waiting for {what} (logs in {STATE})")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def env() -> dict:
    """The environment of every SLURM command of the test: client commands find the cluster through SLURM_CONF;
    inside a job, the executor's jobstep plugin (0.6.1) removes SLURM_* (SLURM_CONF too) from the environment of
    the ``srun`` it runs, so ``<state>/bin/srun`` (first on PATH, which jobs inherit) sets it again."""
    return {**os.environ, "SLURM_CONF": str(STATE / "etc" / "slurm.conf"),
            "PATH": f"{STATE / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"}


def _run(cmd, timeout=60, check=True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=timeout, check=check, **kw)


class Cluster:
    def __init__(self, state: Path = STATE):
        self.state = Path(state)
        self.procs: dict[str, subprocess.Popen] = {}
        self.host = socket.gethostname().split(".")[0]

    # ---- bookkeeping: PIDs on disk, so `daemons.py stop` (or the next start) can end them -------------------
    def _record(self):
        pids = {n: p.pid for n, p in self.procs.items()}
        (self.state / "pids.json").write_text(json.dumps(pids))

    def _spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = open(self.state / f"{name}.out", "ab")
        p = subprocess.Popen(cmd, env=env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)   # not in the caller's process group: a Ctrl-C reaches us, we stop them
        self.procs[name] = p
        self._record()
        return p

    # ---- start ---------------------------------------------------------------------------------------------
    def start(self) -> dict:
        stop(self.state)   # a previous run's daemons (recorded PIDs only)
        if self.state.exists():
            shutil.rmtree(self.state)
        for sub in ("etc", "slurmctld", "slurmd", "mysql", "munge", "bin"):
            (self.state / sub).mkdir(parents=True)
        srun = self.state / "bin" / "srun"
        conf, real = self.state / "etc" / "slurm.conf", shutil.which("srun") or "/usr/bin/srun"
        srun.write_text(f'#!/bin/sh\nSLURM_CONF="${{SLURM_CONF:-{conf}}}" exec {real} "$@"\n')
        os.chmod(srun, 0o755)
        os.chmod(self.state, 0o755)
        os.chmod(self.state / "munge", 0o700)
        ports = slurmconf.Ports(*(_free_port() for _ in range(4)))
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        cpus, mem = slurmconf.node_size(cpus, Path("/proc/meminfo").read_text())
        sock = self.state / "munge" / "munge.socket"
        db_pass = secrets.token_hex(12)
        (self.state / "etc" / "slurm.conf").write_text(slurmconf.slurm_conf(
            host=self.host, cpus=cpus, mem_mb=mem, state=self.state, ports=ports, munge_socket=sock))
        dbd = self.state / "etc" / "slurmdbd.conf"
        dbd.write_text(slurmconf.slurmdbd_conf(host=self.host, state=self.state, ports=ports, munge_socket=sock,
                                               db_user="slurm", db_password=db_pass))
        os.chmod(dbd, 0o600)

        # munge: a fresh key, private socket
        key = self.state / "munge" / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        os.chmod(key, 0o600)
        self._spawn("munged", ["munged", "--foreground", "--force", f"--key-file={key}", f"--socket={sock}",
                               f"--pid-file={self.state / 'munge' / 'munged.pid'}",
                               f"--seed-file={self.state / 'munge' / 'munge.seed'}",
                               f"--log-file={self.state / 'munged.log'}"])
        _wait("the munge socket", lambda: sock.exists(), 20, {"munged": self.procs["munged"]})
        r = subprocess.run(f"munge -S {sock} -n | unmunge -S {sock}", shell=True, capture_output=True, text=True)
        if r.returncode:
            raise EnvironmentProblem(f"munge/unmunge round trip failed: {r.stderr.strip()}")

        # MariaDB: a private data directory, TCP on 127.0.0.1 only
        datadir = self.state / "mysql"
        msock = self.state / "mysql.sock"
        r = subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={datadir}", "--user=root",
                            "--auth-root-authentication-method=socket", "--skip-test-db"],
                           capture_output=True, text=True, timeout=180)
        if r.returncode:
            raise EnvironmentProblem(f"mariadb-install-db failed: {(r.stdout + r.stderr)[-1500:]}")
        self._spawn("mariadbd", ["mariadbd", "--no-defaults", f"--datadir={datadir}", "--user=root",
                                 f"--port={ports.mysql}", "--bind-address=127.0.0.1", f"--socket={msock}",
                                 f"--pid-file={self.state / 'mariadbd.pid'}", f"--log-error={self.state / 'mariadbd.log'}",
                                 "--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
                                 "--innodb-lock-wait-timeout=900", "--max-allowed-packet=16M"])
        _wait("MariaDB", lambda: msock.exists() and _listening(ports.mysql), 60, {"mariadbd": self.procs["mariadbd"]})
        sql = (f"CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '{db_pass}'; "
               "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;")
        r = subprocess.run(["mariadb", "--no-defaults", f"--socket={msock}", "-uroot", "-e", sql],
                           capture_output=True, text=True, timeout=60)
        if r.returncode:
            raise EnvironmentProblem(f"creating the slurm database user failed: {r.stderr.strip()}")

        # slurmdbd, then the cluster, account and user in the accounting database
        self._spawn("slurmdbd", ["slurmdbd", "-D"])
        _wait("slurmdbd", lambda: _listening(ports.slurmdbd) and _run(["sacctmgr", "-n", "list", "cluster"],
                                                                        timeout=20).returncode == 0,
              90, {"slurmdbd": self.procs["slurmdbd"]}, interval=1)
        for cmd in (["add", "cluster", slurmconf.CLUSTER],
                    ["add", "account", slurmconf.ACCOUNT, f"Cluster={slurmconf.CLUSTER}", "Description=test",
                     "Organization=omicslib"],
                    ["add", "user", "root", f"Account={slurmconf.ACCOUNT}", f"DefaultAccount={slurmconf.ACCOUNT}",
                     f"Cluster={slurmconf.CLUSTER}"]):
            r = _run(["sacctmgr", "-i", *cmd], check=False)
            if r.returncode and "Nothing new added" not in r.stdout + r.stderr:
                raise EnvironmentProblem(f"sacctmgr {' '.join(cmd)}: {(r.stdout + r.stderr).strip()}")

        # controller and node
        self._spawn("slurmctld", ["slurmctld", "-D", "-c"])
        _wait("slurmctld", lambda: _run(["scontrol", "ping"], timeout=10, check=False).stdout.count("UP") >= 1,
              60, {"slurmctld": self.procs["slurmctld"]}, interval=1)
        self._spawn("slurmd", ["slurmd", "-D", "-N", self.host])

        def idle():
            nodes = slurmconf.parse_sinfo_nodes(_run(["sinfo", "-h", "-N", "-o", "%N %t"], timeout=10).stdout)
            state = nodes.get(self.host, "")
            if state.startswith(("down", "drain", "unk")) and time.time() - t_node > 15:
                _run(["scontrol", "update", f"nodename={self.host}", "state=resume"], timeout=10, check=False)
            return state in ("idle", "mix", "alloc")

        t_node = time.time()
        _wait(f"node {self.host} idle in sinfo", idle, 90, {n: self.procs[n] for n in ("slurmctld", "slurmd")},
              interval=1)
        info = {"host": self.host, "cpus": cpus, "real_memory_mb": mem, "ports": ports.__dict__,
                "slurm_conf": str(self.state / "etc" / "slurm.conf"), "pids": {n: p.pid for n, p in self.procs.items()},
                "version": _run(["sinfo", "--version"], timeout=10).stdout.strip()}
        (self.state / "cluster.json").write_text(json.dumps(info, indent=1))
        return info

    def stop(self) -> list[str]:
        return stop(self.state, self.procs)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie child counts as ended
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def stop(state: Path = STATE, procs: dict | None = None, grace: float = 15) -> list[str]:
    """Cancel the cluster's jobs, then end the recorded daemons in reverse start order; returns what was ended."""
    state = Path(state)
    pids = {}
    f = state / "pids.json"
    if f.is_file():
        try:
            pids = {k: int(v) for k, v in json.loads(f.read_text()).items()}
        except (ValueError, OSError):
            pids = {}
    pids.update({n: p.pid for n, p in (procs or {}).items()})
    if not pids:
        return []
    conf_env = {**os.environ, "SLURM_CONF": str(state / "etc" / "slurm.conf")}
    if pids.get("slurmctld") and _alive(pids["slurmctld"]) and (state / "etc" / "slurm.conf").is_file():
        try:   # jobs first: their slurmstepd processes are not our children
            subprocess.run(["scancel", "--user", "root", "--full"], env=conf_env, capture_output=True, timeout=20)
            t0 = time.time()
            while time.time() - t0 < 20:
                q = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True, timeout=10, env=conf_env)
                if q.returncode or not q.stdout.strip():
                    break
                time.sleep(1)
        except (OSError, subprocess.SubprocessError):
            pass
    ended = []
    for name in reversed(DAEMONS):
        pid = pids.get(name)
        if not pid or not _alive(pid):
            continue
        os.kill(pid, signal.SIGTERM)
        t0 = time.time()
        while _alive(pid) and time.time() - t0 < grace:
            if procs and name in procs:
                procs[name].poll()
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        if procs and name in procs:
            try:
                procs[name].wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        ended.append(f"{name}[{pid}]")
    f.unlink(missing_ok=True)
    return ended


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["start"]:
        c = Cluster()
        try:
            info = c.start()
        except BaseException:
            c.stop()
            raise
        print(json.dumps(info, indent=1))
        print(f"export SLURM_CONF={info['slurm_conf']}")
        # the daemons are children of this process: detach them before exiting (start_new_session) and keep PIDs
        return 0
    if argv[:1] == ["stop"]:
        ended = stop()
        print("stopped:", ", ".join(ended) or "nothing was running")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
