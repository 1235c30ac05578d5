"""The fair-line benchmark's CI-sized run: a burst from a group and private chats, all served in order."""

from benchmarks import bench_queue


def test_quick_queue_benchmark_serves_everyone_in_order_and_reports(capsys):
    code = bench_queue.main(["--quick"])
    out = capsys.readouterr().out
    for line in ("refused 0, lost 0", "users served out of order 0",
                 "time in line (ready -> started): p50", "request -> result",
                 "old limiter on the same arrivals: served"):
        assert line in out, (line, out)
    assert code == 0, out
