# bench — reproducible benchmarks run beside their peers.
#
# Built by `make check` (so they never rot) but not run by it: run them with
# `make bench` on a quiet machine, in a build without sanitizers.  Results
# and how they were taken: docs/BENCHMARKS.md.
CLAW_BENCHES = bench/ingest bench/sse_fanout bench/worktree bench/stream_parse
check_PROGRAMS += $(CLAW_BENCHES)
bench_ingest_SOURCES = bench/ingest.c
bench_sse_fanout_SOURCES = bench/sse_fanout.c
bench_worktree_SOURCES = bench/worktree.c
bench_stream_parse_SOURCES = bench/stream_parse.c
EXTRA_DIST += bench/rest.sh bench/turn.sh bench/cost.sh bench/lib.sh bench/runview.mjs bench/live.mjs

bench: $(CLAW_BENCHES)
	./bench/ingest
.PHONY: bench
