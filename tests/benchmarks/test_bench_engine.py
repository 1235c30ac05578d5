"""The engine benchmark's CI-sized run: it runs end to end and prints every figure it promises."""

from benchmarks import bench_engine


def test_quick_benchmark_runs_and_reports_stages_baselines_and_gif_size(tiny_weights, capsys, monkeypatch):
    monkeypatch.setattr(bench_engine, "PHOTOS", bench_engine.PHOTOS / "missing")  # CI: no shared photos
    code = bench_engine.main(["--quick", "--weights", str(tiny_weights)])
    out = capsys.readouterr().out
    assert code in (0, 1)  # 1 = a target missed on this machine, still a full report
    for line in ("find_face", "compose", "render", "naive total", "issue 4 total", "CPU time per request",
                 "GIF: 12 frames", "two generated 512 px JPEGs", "p50 end to end", "16 concurrent"):
        assert line in out, line
