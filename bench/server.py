"""writer-app serve under load: checks/s, sentences/s and p95 latency with 1 and with
8 clients, and completion tokens/s.

The server runs in this process on 127.0.0.1 (a free port) over the real engines: the
shipped grammar model after the spelling layer, and the default completion model. Each
check is a paragraph of ``--sentences`` sentences from bench/data/gec-eval.tsv; every
run checks the same paragraphs, in the same order, after the checker's caches are
cleared, and ``--rounds`` pairs of 1-client and 8-client runs alternate, so the 8-client
figures compare with the 1-client ones from the same run (``speedup``: 8-client checks/s
over 1-client checks/s, overall and per round). Clients are threads with their
own HTTP connection, in a process of their own (as other apps are); each takes the next
paragraph when its last answer arrived.

Completion: ``--completions`` greedy /v1/completions of ``--tokens`` tokens on different
prompts, one at a time; tokens/s counts the generated tokens over the wall time. The same
completions on the engine itself (no HTTP, no steps) are the baseline.

Prints a table, then one line of JSON. Times are wall-clock on a machine that may be
shared: compare the ratios, not the absolute figures, across machines. On a busy machine
the wall-clock ratio swings with the other load; ``cpu_speedup`` (checks per CPU-second of
this process, 8 clients over 1) shows what batching itself saves.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402 - needs the path above

DATA = REPO / "bench" / "data" / "gec-eval.tsv"
PROMPTS = ["Dear Sam, thank you for", "The meeting on Monday will", "Once upon a time, in a",
           "The results of the survey show that", "When I moved to the city, I",
           "Our garden is full of", "The best way to learn a language is",
           "Yesterday the weather was"]


def paragraphs(count: int, sentences: int) -> list[str]:
    sources = [line.split("\t")[0] for line in DATA.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    result = []
    for index in range(count):
        start = (index * sentences) % len(sources)
        picked = [sources[(start + k) % len(sources)] for k in range(sentences)]
        result.append(" ".join(picked))
    return result


def run_checks(url: str, texts: list[str], clients: int,
               latencies: list[float] | None = None) -> dict[str, float]:
    """Check ``texts`` from ``clients`` clients in another process (as other apps are:
    client threads in the server's process would share its interpreter lock), each
    taking the next paragraph when its last answer arrived. The wall time is the
    clients' own; the CPU time is the server process's over the run."""
    latencies = [] if latencies is None else latencies
    cpu = time.process_time()
    answer = subprocess.run(
        [sys.executable, __file__, "--client", url, "--clients", str(clients)],
        input=json.dumps(texts), capture_output=True, text=True, check=False)
    cpu = time.process_time() - cpu
    if answer.returncode != 0:
        raise SystemExit(f"the clients failed: {answer.stderr.strip()[-500:]}")
    result = json.loads(answer.stdout)
    if result["failures"]:
        raise SystemExit(f"{len(result['failures'])} checks failed: "
                         f"{sorted(set(result['failures']))}")
    latencies += result["latencies"]
    return {"checks": len(texts), "wall_s": result["wall_s"], "cpu_s": cpu}


def client_process(url: str, clients: int) -> int:
    """The clients' side of run_checks: paragraphs (JSON) on stdin, figures on stdout."""
    texts = json.loads(sys.stdin.read())
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    cursor = iter(range(len(texts)))
    ready = threading.Barrier(clients + 1)

    def client() -> None:
        with httpx.Client(base_url=url, timeout=300) as http:
            http.get("/v2/languages")  # connected before the clock starts
            ready.wait()
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                began = time.perf_counter()
                response = http.post("/v2/check", data={"text": texts[index],
                                                        "language": "en-US"})
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 200:
                        failures.append(response.status_code)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    print(json.dumps({"wall_s": time.perf_counter() - began, "latencies": latencies,
                      "failures": failures}))
    return 0


def summarise(rounds: list[dict[str, float]], latencies: list[float]) -> dict[str, float]:
    latencies = sorted(latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    checks = sum(r["checks"] for r in rounds)
    return {"checks_per_s": checks / sum(r["wall_s"] for r in rounds), "p95_ms": p95 * 1000,
            "median_ms": statistics.median(latencies) * 1000,
            "checks_per_cpu_s": checks / sum(r["cpu_s"] for r in rounds)}


def run_completions(url: str, count: int, tokens: int) -> dict[str, float]:
    generated, wall = 0, 0.0
    with httpx.Client(base_url=url, timeout=600) as http:
        http.post("/v1/completions", json={"prompt": "Warm up", "max_tokens": 4,
                                           "temperature": 0})
        for index in range(count):
            prompt = PROMPTS[index % len(PROMPTS)]
            began = time.perf_counter()
            answer = http.post("/v1/completions", json={
                "prompt": prompt, "max_tokens": tokens, "temperature": 0}).json()
            wall += time.perf_counter() - began
            generated += answer["usage"]["completion_tokens"]
    return {"tokens_per_s": generated / wall if wall else 0.0, "tokens": generated}


def run_direct(engine, count: int, tokens: int) -> dict[str, float]:
    """The same greedy completions on the engine itself: the baseline for the server's.
    They run in a thread of their own, as the server's engine does (on a busy machine
    torch in the main thread was measured several times slower than in another one)."""
    from writer_app.core.requests import GenerationParams

    params = GenerationParams(max_new_tokens=tokens, stop_at_sentence_end=False,
                              multiline=True)
    totals = {"tokens": 0, "wall": 0.0}

    def run() -> None:
        for index in range(count):
            ids = engine.encode_context(PROMPTS[index % len(PROMPTS)])
            engine.reset_cache()
            began = time.perf_counter()
            totals["tokens"] += len(engine.generate_ids(ids, params))
            totals["wall"] += time.perf_counter() - began

    thread = threading.Thread(target=run, name="direct-engine")
    thread.start()
    thread.join()
    wall = totals["wall"]
    return {"tokens_per_s": totals["tokens"] / wall if wall else 0.0,
            "tokens": totals["tokens"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=96, help="paragraphs per run")
    parser.add_argument("--rounds", type=int, default=2,
                        help="1-client and N-client runs, alternated")
    parser.add_argument("--sentences", type=int, default=3, help="sentences per paragraph")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--completions", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--no-completion", action="store_true")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)  # run_checks
    args = parser.parse_args()
    if args.client:
        return client_process(args.client, args.clients)

    import torch

    torch.set_num_threads(args.threads)
    from writer_app.server.app import create_app
    from writer_app.server.config import ServeConfig
    from writer_app.server.host import ThreadEngineHost
    from writer_app.server.runner import ServerThread
    from writer_app.server.services import CheckService, GenerateService, Services
    from writer_app.server.standalone import load_engines

    # loaded in the host's thread, as writer-app serve does (see server/host.py)
    host = ThreadEngineHost.loading(lambda: load_engines(
        grammar=True, spelling=True, grammar_model="default",
        completion=not args.no_completion, model="default", device="cpu", dtype="auto",
        adapter="", variant="en-US", progress=lambda m: print(m, file=sys.stderr)))
    engines = host.source
    services = Services(CheckService(host), GenerateService(host, lambda: engines.model_id)
                        if engines.model_id else None)
    config = ServeConfig(port=0, max_concurrent=64)
    server = ServerThread(create_app(services, config), "127.0.0.1", 0)
    server.start()
    checker = engines.checker("en-US")
    texts = paragraphs(args.checks, args.sentences)
    try:
        run_checks(server.url, paragraphs(4, args.sentences), 1)  # warm-up
        rounds: dict[int, list[dict[str, float]]] = {1: [], args.clients: []}
        latencies: dict[int, list[float]] = {1: [], args.clients: []}
        batches: list[int] = []
        for _ in range(args.rounds):  # alternated: a busy spell of the machine hits both
            for clients in (1, args.clients):
                checker.clear_caches()
                before = len(services.checks.batches)
                rounds[clients].append(run_checks(server.url, texts, clients,
                                                  latencies[clients]))
                if clients > 1:  # requests per job in the N-client runs
                    batches += [n for _, n in list(services.checks.batches)[before:]]
        results = {n: summarise(rounds[n], latencies[n]) for n in rounds}
        ratios = [one["wall_s"] / many["wall_s"]
                  for one, many in zip(rounds[1], rounds[args.clients], strict=True)]
        completion = (run_completions(server.url, args.completions, args.tokens)
                      if engines.model_id else {})
    finally:
        server.stop()
        host.close()
    direct = run_direct(engines.completion(), args.completions, args.tokens) if completion else {}
    one, many = results[1], results[args.clients]
    sentences = args.sentences
    print(f"{'clients':>8} {'checks/s':>9} {'sentences/s':>12} {'p95 ms':>8} {'median ms':>10}")
    for clients, figures in results.items():
        print(f"{clients:>8} {figures['checks_per_s']:>9.2f} "
              f"{figures['checks_per_s'] * sentences:>12.1f} {figures['p95_ms']:>8.0f} "
              f"{figures['median_ms']:>10.0f}")
    speedup = many["checks_per_s"] / one["checks_per_s"]
    cpu_speedup = many["checks_per_cpu_s"] / one["checks_per_cpu_s"]
    mean_batch = statistics.mean(batches)
    print(f"speedup with {args.clients} clients: {speedup:.2f}x (per round: "
          f"{', '.join(f'{r:.2f}x' for r in ratios)}; batches of {mean_batch:.1f} requests "
          f"on average, at most {max(batches)})")
    print(f"checks per CPU-second (this process): {one['checks_per_cpu_s']:.2f} with 1 "
          f"client, {many['checks_per_cpu_s']:.2f} with {args.clients} ({cpu_speedup:.2f}x)")
    if completion:
        print(f"completion: {completion['tokens_per_s']:.1f} tokens/s through the server "
              f"({completion['tokens']} tokens), {direct['tokens_per_s']:.1f} on the engine "
              f"itself ({completion['tokens_per_s'] / direct['tokens_per_s']:.2f}x)")
    summary = {
        "checks_per_s_1": round(one["checks_per_s"], 3),
        f"checks_per_s_{args.clients}": round(many["checks_per_s"], 3),
        "sentences_per_s_1": round(one["checks_per_s"] * sentences, 2),
        f"sentences_per_s_{args.clients}": round(many["checks_per_s"] * sentences, 2),
        "p95_ms_1": round(one["p95_ms"], 1), f"p95_ms_{args.clients}": round(many["p95_ms"], 1),
        "speedup": round(speedup, 3), "round_speedups": [round(r, 3) for r in ratios],
        "cpu_speedup": round(cpu_speedup, 3),
        "largest_batch": max(batches), "mean_batch": round(mean_batch, 2),
        "completion_tokens_per_s": round(completion.get("tokens_per_s", 0.0), 2),
        "engine_tokens_per_s": round(direct.get("tokens_per_s", 0.0), 2),
        "threads": args.threads, "checks": args.checks, "sentences_per_check": sentences,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
