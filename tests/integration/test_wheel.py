"""Build the wheel offline, install it into a fresh virtual environment and run the
installed command from outside the source tree: proves no run-time file is missing.

The new environment reuses this interpreter's installed dependencies (torch, Qt, ...)
through a .pth file, which does not run their own .pth files, so the editable writer_app
install of the development venv stays hidden and the wheel's copy is the one imported.
Deselect with -m "not packaging".
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR_DIR = ROOT / "resources" / "grammar" / "default"
APP_ID = "io.github.writerapp.WriterApp"
TIMEOUT = 600  # seconds per command: two busy cores make imports slow


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, input=stdin, capture_output=True,
                          text=True, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = _run([sys.executable, str(ROOT / "packaging" / "build_dist.py"), str(out)], out)
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(out.glob("writer_app-*.whl"))
    assert len(wheels) == 1, wheels
    assert list(out.glob("writer_app-*.tar.gz")), "no sdist"
    return wheels[0]


def _site_packages(venv: Path) -> Path:
    found = list(venv.glob("lib/python*/site-packages")) + list(venv.glob("Lib/site-packages"))
    assert found, f"no site-packages in {venv}"
    return found[0]


def _bin(venv: Path, name: str) -> Path:
    folder = venv / ("Scripts" if os.name == "nt" else "bin")
    return folder / (f"{name}.exe" if os.name == "nt" else name)


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    done = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], venv)
    assert done.returncode == 0, done.stderr
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (_site_packages(venv) / "_writer_app_shared_deps.pth").write_text(
        "\n".join(sorted(shared)) + "\n", encoding="utf-8")
    done = _run([sys.executable, "-m", "pip", "--python", str(_bin(venv, "python")),
                 "install", "--no-deps", "--no-index", "--no-cache-dir", str(wheel)], venv)
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


@pytest.fixture
def outside(tmp_path) -> tuple[Path, dict[str, str]]:
    """A working directory outside the source tree and an environment that keeps the
    user's files and the source tree out of reach."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WRITER_APP"))}
    env.update(
        WRITER_APP_CONFIG_DIR=str(tmp_path / "config"),
        WRITER_APP_DATA_DIR=str(tmp_path / "data"),
        WRITER_APP_CACHE_DIR=str(tmp_path / "cache"),
        HF_HUB_OFFLINE="1",
        QT_QPA_PLATFORM="offscreen",
    )
    work = tmp_path / "work"
    work.mkdir()
    return work, env


def test_wheel_holds_every_resource(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    resources = {
        "writer_app/resources/" + p.relative_to(ROOT / "resources").as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert resources - names == set()
    assert "writer_app/resources/icons/hicolor/512x512/apps/writer-app.png" in names
    shared = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    assert f"share/applications/{APP_ID}.desktop" in shared
    assert f"share/metainfo/{APP_ID}.metainfo.xml" in shared
    assert "share/icons/hicolor/scalable/apps/writer-app.svg" in shared
    if GRAMMAR_DIR.is_dir():  # the shipped grammar model, once it is in the tree
        grammar = "writer_app/resources/grammar/default/"
        assert grammar + "config.json" in names
        assert any(n.startswith(grammar) and n.endswith(".safetensors") for n in names)


def test_installed_copy_is_the_one_imported(venv, outside):
    work, env = outside
    code = ("import writer_app, writer_app.resources as r; from pathlib import Path; "
            "print(writer_app.__file__); print(Path(r.__file__).parent)")
    done = _run([str(_bin(venv, "python")), "-c", code], work, env)
    assert done.returncode == 0, done.stderr
    module_file, resources = (Path(line) for line in done.stdout.split())
    assert module_file.is_relative_to(venv), module_file
    assert (resources / "icons" / "writer-app.svg").is_file()


def test_help(venv, outside):
    work, env = outside
    done = _run([str(_bin(venv, "writer-app")), "--help"], work, env)
    assert done.returncode == 0, done.stderr
    assert "usage: writer-app" in done.stdout


def test_models(venv, outside):
    work, env = outside
    done = _run([str(_bin(venv, "writer-app")), "models"], work, env)
    assert done.returncode == 0, done.stderr
    assert "SmolLM2" in done.stdout
    assert "cpu" in done.stdout.lower()


def _has_check_command(venv: Path, work: Path, env: dict[str, str]) -> bool:
    done = _run([str(_bin(venv, "python")), "-c",
                 "from writer_app.cli import COMMANDS; print(' '.join(COMMANDS))"], work, env)
    assert done.returncode == 0, done.stderr
    return "check" in done.stdout.split()


def test_check_finds_a_spelling_error(venv, outside):
    work, env = outside
    if not _has_check_command(venv, work, env):
        pytest.skip("this version has no 'writer-app check'")
    sample = work / "letter.txt"
    sample.write_text("I recieved the letter yesterday.\n", encoding="utf-8")
    # Without the shipped grammar model in the tree, check the spelling layer alone
    # (its word lists come from the installed dependencies).
    options = [] if GRAMMAR_DIR.is_dir() else ["--no-grammar"]
    done = _run([str(_bin(venv, "writer-app")), "check", *options, sample.name], work, env)
    assert done.returncode == 0, done.stderr
    assert "'recieved' -> 'received'" in done.stdout, done.stdout


def test_thesaurus_loads_from_the_installed_package(venv, outside):
    work, env = outside
    code = ("from writer_app.core.thesaurus import default_path, shipped_thesaurus; "
            "t = shipped_thesaurus(); print(default_path()); print(len(t)); "
            "print('|'.join(t.senses('begin', 'v')[0].tiers[0]))")
    done = _run([str(_bin(venv, "python")), "-c", code], work, env)
    assert done.returncode == 0, done.stderr
    path, senses, words = done.stdout.strip().splitlines()[-3:]
    assert Path(path).is_relative_to(venv), path
    assert int(senses) > 50_000
    assert "start" in words.split("|")
