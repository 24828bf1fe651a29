/*
 * replay — runs a fuzz target over its seed corpus without libFuzzer, as a
 * TAP test, so every build (gcc or clang, fuzz or not) checks that each
 * target still builds and holds its properties on its seeds.
 *
 * Linked with one fuzz_<name>.c into tests/fuzz/replay_<name>.  With no
 * arguments it feeds every file of $CLAW_SRCDIR/tests/fuzz/seeds/<name>/
 * (name from the program's own name, sorted, dot files skipped) to
 * LLVMFuzzerTestOneInput, one TAP line each; with arguments it feeds those
 * files instead (to replay a crash found by a fuzz build in another
 * build).  A failed property aborts the program, which the TAP driver
 * reports as a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "fuzz.h"

#define REPLAY_INPUT_MAX (16 * 1024 * 1024) /* bytes of one seed read */

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads path whole into *data (caller frees).  false when unreadable. */
static bool
slurp(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = claw_xmalloc(REPLAY_INPUT_MAX);
	size_t n;

	*data = NULL;
	*size = 0;
	if (f == NULL) {
		free(p);
		return false;
	}
	n = fread(p, 1, REPLAY_INPUT_MAX, f);
	bool good = ferror(f) == 0;
	(void)fclose(f);
	if (!good) {
		free(p);
		return false;
	}
	*data = p;
	*size = n;
	return true;
}

int
main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *srcdir = getenv("CLAW_SRCDIR");
	char **files = NULL;
	size_t nfiles = 0;
	int failed = 0;

	if (strncmp(self, "lt-", 3) == 0)
		self += 3;
	if (strncmp(self, "replay_", 7) == 0)
		self += 7;
	if (argc > 1) {
		files = claw_xcalloc((size_t)argc, sizeof *files);
		for (int i = 1; i < argc; i++)
			files[nfiles++] = claw_xstrdup(argv[i]);
	} else {
		char *dir = claw_xasprintf("%s/tests/fuzz/seeds/%s", srcdir != NULL ? srcdir : ".",
					   self);
		DIR *d = opendir(dir);
		struct dirent *e;
		size_t cap = 0;
		if (d == NULL) {
			printf("1..1\nnot ok 1 - no seed directory %s\n", dir);
			free(dir);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			if (nfiles == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				files = claw_xrealloc(files, cap * sizeof *files);
			}
			files[nfiles++] = claw_xasprintf("%s/%s", dir, e->d_name);
		}
		(void)closedir(d);
		free(dir);
		if (nfiles > 0)
			qsort(files, nfiles, sizeof *files, by_name);
	}
	if (nfiles == 0) {
		printf("1..1\nnot ok 1 - no seeds for %s\n", self);
		return 1;
	}
	printf("1..%zu\n", nfiles);
	(void)fflush(stdout);
	for (size_t i = 0; i < nfiles; i++) {
		uint8_t *data;
		size_t size;
		const char *base =
			strrchr(files[i], '/') != NULL ? strrchr(files[i], '/') + 1 : files[i];
		if (!slurp(files[i], &data, &size)) {
			printf("not ok %zu - %s: cannot read it\n", i + 1, files[i]);
			failed++;
		} else {
			/* Copied to an exact-size block so ASan sees a read past the end. */
			uint8_t *exact = claw_xmalloc(size > 0 ? size : 1);
			if (size > 0)
				memcpy(exact, data, size);
			free(data);
			(void)LLVMFuzzerTestOneInput(exact, size);
			free(exact);
			printf("ok %zu - %s %s (%zu bytes)\n", i + 1, self, base, size);
		}
		(void)fflush(stdout);
		free(files[i]);
	}
	free(files);
	return failed > 0 ? 1 : 0;
}
