# tests/fuzz — libFuzzer targets, one per parser of outside input, each with
# a seeds directory.  Built only with ./configure --enable-fuzz CC=clang:
# the target's own sources (the parser under test) are instrumented with
# -fsanitize=fuzzer, the rest comes from libclaw.a.
FUZZ_SEEDS_SPEC = \
	tests/fuzz/seeds/spec/example.seed tests/fuzz/seeds/spec/mixed.seed \
	tests/fuzz/seeds/spec/bad.seed
EXTRA_DIST += tests/fuzz/fuzz_spec.c tests/fuzz/spec.dict $(FUZZ_SEEDS_SPEC)
if ENABLE_FUZZ
noinst_PROGRAMS = tests/fuzz/fuzz_spec
tests_fuzz_fuzz_spec_SOURCES = tests/fuzz/fuzz_spec.c src/flow/spec.c \
	src/flow/spec_expand.c src/flow/spec_render.c
tests_fuzz_fuzz_spec_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_spec_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_spec_LDADD = libclaw.a $(CLAW_DEPS_LIBS)
endif
