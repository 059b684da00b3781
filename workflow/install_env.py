"""Install requirements.txt and omicslib (editable) into the running interpreter's venv.

With uv (downloads, unpacks and compiles the bytecode in parallel: about 70 s for the pinned CUDA torch stack on
two cores with an empty cache, against about 2.5 min with pip), reading the package indexes pip is configured with
(``pip config list``: a local wheel store, mirrors), so both see the same packages; with pip when uv cannot be
installed or fails. Bytecode is compiled at install, as pip does, so that the notebooks started together do not
each compile the same modules on first import.
Run as ``.venv/bin/python workflow/install_env.py`` from the repository root (the Makefile does).
"""

import shlex
import subprocess
import sys

UV = "uv==0.13.8"


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args], check=True)


def pip_index_args() -> list[str]:
    """pip's configured indexes as uv arguments (pip considers every index, hence uv's best-match strategy)."""
    out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    flags = {"index-url": "--default-index", "extra-index-url": "--index", "find-links": "--find-links"}
    seen = {}                                     # (flag, value) in order; the env and file sections repeat
    for line in out.splitlines():
        key, _, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        if name in flags and value:
            seen.update(((flags[name], v), None) for v in shlex.split(value)[0].split())
    return ["--index-strategy", "unsafe-best-match", *(a for pair in seen for a in pair)]


def main() -> None:
    pip("--upgrade", "pip")
    try:
        pip(UV)
        uv = [sys.executable, "-m", "uv", "pip", "install", "-q", "--compile-bytecode", "--python", sys.executable,
              *pip_index_args()]
        subprocess.run([*uv, "-r", "requirements.txt"], check=True)
        subprocess.run([*uv, "--no-deps", "-e", "."], check=True)
    except subprocess.CalledProcessError as err:
        print(f"install_env: uv failed ({err}); installing with pip instead", file=sys.stderr)
        pip("-r", "requirements.txt")
        pip("--no-deps", "-e", ".")


if __name__ == "__main__":
    main()
