#!/usr/bin/env python3
"""The quick start: one command to run the platform with its demo, one to run the tests.

    python3 scripts/dev.py run [--port 8000]   # set up, seed the demo, serve on 127.0.0.1
    python3 scripts/dev.py test [pytest args]  # set up, run the whole test suite
    python3 scripts/dev.py bench [args]        # set up, run the benchmarks (bench/run.py)

Setting up means: a virtualenv in .venv with requirements-dev.txt installed (skipped while a
stamp of the requirements' hash is current), the system packages WeasyPrint, the tests (chromium,
pdftoppm) and the benchmarks (wrk) need (installed with apt-get when running as root on Debian,
otherwise named), and
compiled translations. Standard library only, so it runs before anything is installed.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036  (the point is to refuse older interpreters clearly)
    found = ".".join(str(n) for n in sys.version_info[:2])
    sys.stderr.write("This project needs Python 3.11 or newer; this is Python " + found + ".\n")
    sys.stderr.write("Run it with a newer interpreter, e.g. `python3.11 scripts/dev.py run`.\n")
    sys.exit(2)

import argparse  # noqa: E402
import ctypes.util  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".requirements.sha256"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m" if sys.stdout.isatty() else f"==> {message}", flush=True)


def fail(message: str) -> None:
    sys.stderr.write(f"\nerror: {message}\n")
    sys.exit(1)


# -- system packages ----------------------------------------------------------------------


def _has_library(name: str) -> bool:
    return ctypes.util.find_library(name) is not None


def missing_system_packages(*, tests: bool = False, bench: bool = False) -> list[str]:
    """Debian package names of what is missing: always WeasyPrint's Pango and gettext; for the
    tests the browser and poppler's pdftoppm (certificates rendered to PNG); for the benchmarks
    the HTTP load tester wrk."""
    missing = []
    if not _has_library("pango-1.0"):
        missing.append("libpango-1.0-0")
    if not _has_library("pangoft2-1.0"):
        missing.append("libpangoft2-1.0-0")
    if not shutil.which("msgfmt"):
        missing.append("gettext")
    if tests and not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        missing.append("chromium")
    if tests and not shutil.which("pdftoppm"):
        missing.append("poppler-utils")
    if bench and not shutil.which("wrk"):
        missing.append("wrk")
    return missing


def ensure_system_packages(*, tests: bool = False, bench: bool = False) -> None:
    missing = missing_system_packages(tests=tests, bench=bench)
    if not missing:
        return
    can_install = os.geteuid() == 0 and Path("/etc/debian_version").exists() and shutil.which("apt-get")
    if not can_install:
        fail(
            "missing system packages: "
            + " ".join(missing)
            + "\nInstall them with your package manager (on Debian/Ubuntu: sudo apt-get install -y "
            + " ".join(missing)
            + "), then run this command again."
        )
    say("Installing system packages: " + " ".join(missing))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *missing], check=True, env=env, stdin=subprocess.DEVNULL
    )


# -- virtualenv ---------------------------------------------------------------------------


def requirements_hash() -> str:
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for name in REQUIREMENTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_virtualenv() -> None:
    if not PYTHON.exists():
        say(f"Creating the virtualenv in {VENV.relative_to(ROOT)}")
        result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            fail(
                "could not create the virtualenv. On Debian/Ubuntu install the venv module "
                f"(sudo apt-get install -y python3-venv or python{sys.version_info[0]}.{sys.version_info[1]}-venv)."
            )
    wanted = requirements_hash()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("Installing the Python dependencies (requirements-dev.txt)")
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-r", "requirements-dev.txt"],
        cwd=ROOT,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    STAMP.write_text(wanted + "\n")


# -- Django -------------------------------------------------------------------------------


def manage(*args: str, **env: str) -> None:
    environment = {**os.environ, **env}
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, check=True, stdin=subprocess.DEVNULL, env=environment)


def catalogues() -> list[Path]:
    """Every translation catalogue (.po) of the project, outside the virtualenv."""
    return sorted(po for po in ROOT.glob("**/locale/*/LC_MESSAGES/*.po") if VENV not in po.parents)


def compile_translations() -> None:
    """Compile every catalogue with msgfmt, always: a clone gives .po and .mo the same age, so
    comparing times (as compilemessages does) could keep a .mo older than its .po."""
    found = catalogues()
    if not found:
        return
    say("Compiling translations")
    for po in found:
        result = subprocess.run(
            ["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            fail(f"{po.relative_to(ROOT)} does not compile:\n{result.stderr}")


def setup(*, tests: bool = False, bench: bool = False) -> None:
    os.chdir(ROOT)
    ensure_system_packages(tests=tests, bench=bench)
    ensure_virtualenv()
    compile_translations()


# -- commands -----------------------------------------------------------------------------


def command_run(args: argparse.Namespace, extra: list[str]) -> int:
    setup()
    say("Applying database migrations")
    manage("migrate", "--noinput", "--verbosity", "0")
    say("Loading the demo (France 2026 published, France 2027 open)")
    # Quiet logs: the seed runs hundreds of (eager) tasks whose INFO lines would bury the logins.
    manage("seed_demo", LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"))
    base = f"http://127.0.0.1:{args.port}"
    print(
        "\n"
        f"  Site (palmarès)     {base}/palmares/\n"
        f"  Administration      {base}/admin/\n"
        f"  Brand portal        {base}/portal/\n"
        f"  API docs            {base}/api/v1/docs/\n"
        "  (demo logins above; Ctrl-C stops the server)\n",
        flush=True,
    )
    # No auto-reloader: its child process would outlive a stopped parent and keep the port.
    server = [str(PYTHON), "manage.py", "runserver", "--noreload", f"127.0.0.1:{args.port}", *extra]
    os.execv(str(PYTHON), server)  # noqa: S606  (fixed argv, no shell)
    return 0  # not reached: the server replaces this process


def command_test(args: argparse.Namespace, extra: list[str]) -> int:
    setup(tests=True)
    say("Running the test suite")
    return subprocess.run([str(VENV / "bin" / "pytest"), *extra], cwd=ROOT, stdin=subprocess.DEVNULL).returncode


def command_bench(args: argparse.Namespace, extra: list[str]) -> int:
    setup(bench=True)
    runner = ROOT / "bench" / "run.py"
    if not runner.exists():
        fail("bench/run.py does not exist in this checkout.")
    say("Running the benchmarks")
    return subprocess.run([str(PYTHON), str(runner), *extra], cwd=ROOT, stdin=subprocess.DEVNULL).returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/dev.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="set up, seed the demo and serve on 127.0.0.1")
    run.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    run.set_defaults(handler=command_run)
    commands.add_parser("test", help="set up and run the whole test suite; other arguments go to pytest").set_defaults(
        handler=command_test
    )
    commands.add_parser("bench", help="set up and run bench/run.py; other arguments go to it").set_defaults(
        handler=command_bench
    )
    args, extra = parser.parse_known_args(argv)
    return args.handler(args, extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
