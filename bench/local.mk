# bench — reproducible benchmarks run beside their peers.
#
# Built by `make check` (so they never rot) but not run by it: run them with
# `make bench` on a quiet machine, in a build without sanitizers.  Results
# and how they were taken: docs/BENCHMARKS.md.
CLAW_BENCHES = bench/ingest bench/sse_fanout bench/worktree bench/stream_parse bench/mcp
check_PROGRAMS += $(CLAW_BENCHES)
bench_ingest_SOURCES = bench/ingest.c
bench_sse_fanout_SOURCES = bench/sse_fanout.c
bench_worktree_SOURCES = bench/worktree.c
bench_stream_parse_SOURCES = bench/stream_parse.c
bench_mcp_SOURCES = bench/mcp.c
bench_mcp_CPPFLAGS = $(AM_CPPFLAGS) -DCLAW_TOP_SRCDIR='"$(abs_top_srcdir)"'
EXTRA_DIST += bench/rest.sh bench/turn.sh bench/cost.sh bench/lib.sh bench/runview.mjs bench/live.mjs

bench: $(CLAW_BENCHES)
	./bench/ingest
.PHONY: bench
