"""The journal benchmark's CI-sized run: it runs and reports both sides and the difference."""

from benchmarks import bench_journal


def test_quick_journal_benchmark_reports_with_and_without(capsys):
    code = bench_journal.main(["--quick"])
    out = capsys.readouterr().out
    assert code in (0, 1)  # 1 = the target missed on this (busy) machine, still a full report
    for line in ("without journal: p50", "with journal:    p50", "journal adds", "alternating"):
        assert line in out, line
