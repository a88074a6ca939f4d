"""The send-log scan's Python consumer alone, this tree's against a git revision's, in one process.

    taskset -c 0 python benchmarks/bench_sendlog_consumer.py DIR [--base REV] [--rounds 5]

The consumer is what runs after the C scan hands over a finished session: ``send.Aggregator``
(fold by signature, the C replay record -> plan -> facts of new aggregates, ``result``),
``fieldlimit.bound_fact`` and ``budget.FactBudget`` (the global fact budget) with the loader's
de-duplication. Its cost is a few tenths of a second per GB, inside a scan whose run-to-run spread
on a shared machine is larger, so end-to-end runs cannot tell a change of it apart. This records
the ``Folder.fold`` calls of one native scan of the send logs in ``DIR`` (key, lite rows, lines:
every session the C scan folds or replays; recorded without folding in C), then hands exactly those
calls to both consumers (one that folds in C offers each to its ``_sendfilter.Folds`` first),
interleaved (A B, B A, ...), and prints the CPU time of each (median, range), their ratio, and
whether their facts, details, warnings and notes are equal (they must be).

``--base`` (default ``main``) names the revision whose ``send.py``, ``budget.py`` and
``fieldlimit.py`` are loaded beside this tree's (``git show``), sharing this tree's C scan and
everything else: a revision whose consumer no longer fits the current ``scan.py`` fails loudly.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import copy
import gc
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = {  # module name -> path in the tree
    "relaydoctor.engine.evidence.smtplog.send": "engine/evidence/smtplog/send.py",
    "relaydoctor.engine.evidence.budget": "engine/evidence/budget.py",
    "relaydoctor.engine.evidence.fieldlimit": "engine/evidence/fieldlimit.py",
}


def record(folder: str) -> dict[str, dict]:
    """The Folder calls and reading statistics of a native one-process scan of ``folder``."""
    from relaydoctor.engine.evidence import loader
    from relaydoctor.engine.evidence.smtplog import scan, send

    if not scan.native_enabled():
        sys.exit("the C extension is not built or RELAYDOCTOR_NO_NATIVE is set: nothing to record")
    files: dict[str, dict] = {}
    current: list[dict] = []
    real_init, real_fold, real_result = send.Aggregator.__init__, send.Aggregator.fold, send.Aggregator.result

    def init(self, name):
        real_init(self, name)
        current[:] = [files.setdefault(name, {"calls": [], "stats": None})]

    def fold(self, key, rows, lines):
        current[0]["calls"].append((key, list(rows.raw), rows.connector, lines))
        return real_fold(self, key, rows, lines)

    def result(self, stats):
        current[0]["stats"] = copy.deepcopy(stats)
        return real_result(self, stats)

    loader.PARALLEL_MIN_BYTES = 1 << 62  # one process: the calls are recorded here
    send.Aggregator.__init__, send.Aggregator.fold, send.Aggregator.result = init, fold, result
    real_in_c = getattr(send.Aggregator, "fold_in_c", None)
    if real_in_c is not None:  # no folding in C while recording: every session comes to ``fold``
        send.Aggregator.fold_in_c = lambda self: None
    try:
        loader.load_evidence([folder])
    finally:
        send.Aggregator.__init__, send.Aggregator.fold, send.Aggregator.result = (
            real_init, real_fold, real_result)
        if real_in_c is not None:
            send.Aggregator.fold_in_c = real_in_c
    return files


def base_modules(rev: str, into: Path) -> dict[str, ModuleType]:
    """``rev``'s consumer modules, loaded under private names inside the same packages (their
    relative imports reach this tree's scan, facts, ...)."""
    out = {}
    for name, path in CONSUMER.items():
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True,
                              text=True, check=True).stdout
        file = into / Path(path).name
        file.write_text(text)
        package, _, leaf = name.rpartition(".")
        private = f"{package}._bench_base_{leaf}"
        spec = importlib.util.spec_from_file_location(private, file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[private] = module
        spec.loader.exec_module(module)
        out[name] = module
    return out


def consume(modules: dict[str, ModuleType], files: dict[str, dict]) -> tuple[float, tuple]:
    """CPU seconds of the recorded calls through one consumer, and what it made."""
    from relaydoctor.engine.evidence.smtplog.scan import LiteRows

    send = modules["relaydoctor.engine.evidence.smtplog.send"]
    budget = modules["relaydoctor.engine.evidence.budget"].FactBudget()
    bound_fact = modules["relaydoctor.engine.evidence.fieldlimit"].bound_fact
    getattr(send, "_REPLIES", {}).clear()  # the process-wide reply cache starts cold, as in a CLI run
    gc.collect()
    details = []
    start = time.thread_time()
    for position, (name, data) in enumerate(sorted(files.items())):
        agg = send.Aggregator(name)
        # a consumer that folds in C (``Aggregator.fold_in_c``) gets each session there first, as the
        # C scan offers it where it finishes it
        folds = agg.fold_in_c() if hasattr(agg, "fold_in_c") else None
        for key, raw, conn, lines in data["calls"]:
            if folds is not None and folds.fold(key[0], key[1], raw, list(key[2:]), lines):
                continue
            rows = LiteRows(raw, conn)
            if not (agg.fold(key, rows, lines) or agg.replayed(key, rows, key[1], lines)):
                raise SystemExit(f"{name}: a session the C replay declines: not recorded")
        result = agg.result(data["stats"])  # reads the statistics, changes nothing in them
        facts = []
        for fact in result.facts:
            fact, cut = bound_fact(fact)
            result.warnings.extend(cut)
            facts.append(fact)
        budget.add(position, facts)
        details.append((result.detail, list(result.warnings)))
    seen, kept = set(), []
    for _, fact in budget.entries():
        identity = fact.identity()
        if identity not in seen:
            seen.add(identity)
            kept.append(fact)
    notes = budget.notes()
    seconds = time.thread_time() - start
    return seconds, ([repr(f) for f in kept], details, notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="a folder of send logs (e.g. bench_sendlog.py --dir's 1000MB)")
    parser.add_argument("--base", default="main", help="git revision to compare with (default: main)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved pairs (default 5)")
    args = parser.parse_args(argv)

    files = record(args.folder)
    sessions = sum(len(d["calls"]) for d in files.values())
    import relaydoctor.engine.evidence.budget as budget
    import relaydoctor.engine.evidence.fieldlimit as fieldlimit
    import relaydoctor.engine.evidence.smtplog.send as send

    this = {"relaydoctor.engine.evidence.smtplog.send": send, "relaydoctor.engine.evidence.budget": budget,
            "relaydoctor.engine.evidence.fieldlimit": fieldlimit}
    with tempfile.TemporaryDirectory() as tmp:
        base = base_modules(args.base, Path(tmp))
        times: dict[str, list[float]] = {"base": [], "this": []}
        made: dict[str, tuple] = {}
        consume(base, files), consume(this, files)  # first calls make the lazy dataclass methods
        for r in range(args.rounds):
            for label in ("base", "this") if r % 2 == 0 else ("this", "base"):
                seconds, out = consume(base if label == "base" else this, files)
                times[label].append(seconds)
                made.setdefault(label, out)
    a, b = statistics.median(times["base"]), statistics.median(times["this"])
    print(f"{len(files)} file(s), {sessions:,} sessions handed over by the C scan; one core CPU seconds, "
          f"median of {args.rounds} interleaved rounds [min-max]:")
    print(f"  base ({args.base}): {a:.3f} [{min(times['base']):.3f}-{max(times['base']):.3f}]")
    print(f"  this tree:   {b:.3f} [{min(times['this']):.3f}-{max(times['this']):.3f}]"
          f"   this/base {b / a:.3f}")
    same = made["base"] == made["this"]
    print(f"  same facts, details, warnings and notes: {'yes' if same else 'NO'} "
          f"({len(made['this'][0])} facts)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
