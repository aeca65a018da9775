"""What a Quick personalization gives a writer, in the issue's terms.

On a held-out author corpus (default: the King James Bible from Debian's bible-kjv
package, public domain: training documents from one part of it, the held-out text from
books after it), runs ``writer-app finetune --preset quick`` (40 steps), then
``writer-app evaluate --json`` with the base model and with the adapter on the
held-out text, and prints base against personalized: keystroke savings, next-word
top-1/top-3, BLEU, ROUGE-L and perplexity, plus the precision of the shown suggestions
against their coverage for each confidence threshold, as an ASCII chart (and a PNG with
--png, drawn with Qt).

``--corpus FILE --heldout FILE`` uses any text instead (FILE: a folder of documents or
one text file cut into documents of about 4 KB).

Prints readable lines, then one line of JSON. Timings on a shared machine vary; the
base and personalized figures come from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
KJV_TRAIN = ("Genesis 1:1-24:67",)
KJV_HELDOUT = ("Joshua 1:1-6:27",)
_VERSE_REF = re.compile(r"^\S+?\d+:\d+ ")


def kjv_text(passages: tuple[str, ...]) -> str:
    """Passages from the bible-kjv program, one paragraph per chapter."""
    if shutil.which("bible") is None:
        raise SystemExit("bench: install Debian's bible-kjv (apt-get install bible-kjv), "
                         "or pass --corpus and --heldout")
    chapters: list[list[str]] = []
    last = None
    for passage in passages:
        out = subprocess.run(["bible", "-f", passage], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            match = _VERSE_REF.match(line)
            if not match:
                continue
            chapter = match.group(0).split(":")[0]
            if chapter != last:
                chapters.append([])
                last = chapter
            chapters[-1].append(line[match.end():].strip())
    return "\n\n".join(" ".join(verses) for verses in chapters)


def split_documents(text: str, folder: Path, size: int = 4000) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    parts, current = [], []
    for paragraph in text.split("\n\n"):
        current.append(paragraph)
        if sum(len(p) for p in current) >= size:
            parts.append("\n\n".join(current))
            current = []
    if current:
        parts.append("\n\n".join(current))
    for number, part in enumerate(parts):
        (folder / f"part{number:02d}.txt").write_text(part + "\n", encoding="utf-8")
    return len(parts)


def build_corpus(folder: Path, corpus: Path | None, heldout: Path | None) -> dict:
    docs = folder / "docs"
    if corpus is not None and corpus.is_dir():
        shutil.copytree(corpus, docs)
        count = len(list(docs.iterdir()))
    else:
        train = corpus.read_text(encoding="utf-8") if corpus else kjv_text(KJV_TRAIN)
        count = split_documents(train, docs)
    held = heldout.read_text(encoding="utf-8") if heldout else kjv_text(KJV_HELDOUT)
    (folder / "heldout.txt").write_text(held, encoding="utf-8")
    train_bytes = sum(p.stat().st_size for p in docs.iterdir())
    return {"documents": count, "train_bytes": train_bytes, "heldout_bytes": len(held)}


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("WRITER_APP_SETTINGS", str(Path(tempfile.gettempdir()) / "bench-none.toml"))
    return subprocess.run([sys.executable, "-m", "writer_app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def evaluate(model: str, heldout: Path, adapter: str, positions: int) -> tuple[dict, list]:
    began = time.perf_counter()
    done = run_cli(["evaluate", "--json", "--model", model, "--adapter", adapter,
                    "--positions", str(positions), str(heldout)])
    if done.returncode != 0:
        raise RuntimeError(f"evaluate failed: {done.stderr.strip()[-2000:]}")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    summary = rows[-1]
    summary["seconds"] = round(time.perf_counter() - began, 1)
    return summary, rows[:-1]


def finetune(model: str, folder: Path) -> dict:
    out = folder / "adapter"
    began = time.perf_counter()
    done = run_cli(["finetune", "--docs", str(folder / "docs"), "--out", str(out),
                    "--model", model, "--preset", "quick", "--json-progress"])
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    report = next((e for e in events if e["event"] == "report"), None)
    if done.returncode != 0 or report is None:
        raise RuntimeError(f"finetune failed: {done.stderr.strip()[-2000:]}")
    return {"path": str(out), "wall_s": round(time.perf_counter() - began, 1),
            "ppl_before": report["ppl_before"], "ppl_after": report["ppl_after"],
            "evaluation": report.get("evaluation")}


def ascii_curve(curves: dict[str, list[dict]], width: int = 50, height: int = 14) -> str:
    """Precision (up) against coverage (across), one letter per model and threshold."""
    grid = [[" "] * (width + 1) for _ in range(height + 1)]
    for mark, rows in zip("BP", curves.values(), strict=False):
        for row in rows:
            x = round(row["coverage"] * width)
            y = height - round(row["precision"] * height)
            grid[y][x] = mark if grid[y][x] in " " + mark else "*"
    lines = ["precision"]
    for number, cells in enumerate(grid):
        label = f"{1 - number / height:4.0%}" if number % 2 == 0 else "    "
        lines.append(f"{label} |{''.join(cells)}")
    lines.append("     +" + "-" * (width + 1))
    lines.append("      0%" + " " * (width // 2 - 6) + "coverage" + " " * (width // 2 - 8) + "100%")
    lines.append("      B: base model, P: personalized, *: both")
    return "\n".join(lines)


def curve_table(name: str, rows: list[dict]) -> str:
    lines = [f"{name}: threshold  setting        precision  coverage  keystroke savings"]
    for row in rows:
        lines.append(f"{'':>{len(name)}}  {row['threshold']:9.2f}  {row.get('setting', ''):<13}"
                     f"  {row['precision']:9.1%}  {row['coverage']:8.1%}"
                     f"  {row['keystroke_savings']:9.1%}")
    return "\n".join(lines)


def write_png(curves: dict[str, list[dict]], path: Path) -> None:
    """The same chart as a PNG, drawn with Qt (offscreen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - keeps Qt alive
    image = QImage(520, 400, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    left, top, size_x, size_y = 60, 20, 430, 320
    painter.drawRect(left, top, size_x, size_y)
    for tick in range(0, 11, 2):
        painter.drawText(left - 40, top + size_y - tick * size_y // 10 + 5, f"{tick * 10}%")
        painter.drawText(left + tick * size_x // 10 - 12, top + size_y + 18, f"{tick * 10}%")
    painter.drawText(left + size_x // 2 - 30, top + size_y + 36, "coverage")
    painter.drawText(4, top - 6, "precision")
    for (name, rows), color in zip(curves.items(), ("#888888", "#1f6fd1"), strict=False):
        painter.setPen(QPen(QColor(color), 2))
        points = [QPointF(left + r["coverage"] * size_x, top + (1 - r["precision"]) * size_y)
                  for r in sorted(rows, key=lambda r: r["coverage"])]
        for a, b in zip(points, points[1:], strict=False):
            painter.drawLine(a, b)
        for point, row in zip(points, sorted(rows, key=lambda r: r["coverage"]), strict=True):
            painter.drawEllipse(point, 3, 3)
            if row.get("setting"):
                painter.drawText(point + QPointF(5, -5), row["setting"])
        painter.drawText(left + size_x - 110, top + 20 + 16 * list(curves).index(name), name)
    painter.setPen(Qt.GlobalColor.black)
    painter.end()
    image.save(str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="training text: a folder of documents or one text file")
    parser.add_argument("--heldout", type=Path, default=None, help="held-out text file")
    parser.add_argument("--positions", type=int, default=60)
    parser.add_argument("--adapter", default="", help="evaluate this adapter (no training)")
    parser.add_argument("--png", type=Path, default=None, help="also draw the curve here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-personalize-eval-") as tmp:
        folder = Path(tmp)
        corpus = build_corpus(folder, args.corpus, args.heldout)
        print(f"corpus: {corpus}", flush=True)
        tuned = {"path": args.adapter} if args.adapter else finetune(args.model, folder)
        print(f"finetune: {tuned}", flush=True)
        held = folder / "heldout.txt"
        base, base_curve = evaluate(args.model, held, "", args.positions)
        print(f"base:         {base}", flush=True)
        mine, mine_curve = evaluate(args.model, held, tuned["path"], args.positions)
        print(f"personalized: {mine}", flush=True)
    curves = {"base": base_curve, "personalized": mine_curve}
    print(curve_table("base", base_curve))
    print(curve_table("personalized", mine_curve))
    print(ascii_curve(curves))
    if args.png:
        write_png(curves, args.png)
        print(f"chart: {args.png}")
    gains = {key: round(mine[key] - base[key], 4) for key in
             ("keystroke_savings", "next_word_top1", "next_word_top3", "bleu", "rouge_l",
              "perplexity")}
    print(json.dumps({"corpus": corpus, "finetune": {k: v for k, v in tuned.items()
                                                     if k != "evaluation"},
                      "base": base, "personalized": mine, "gain": gains,
                      "curve": curves}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
