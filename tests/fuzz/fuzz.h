/*
 * Shared by the fuzz targets.  Under libFuzzer (FUZZING_LIBFUZZER) each
 * target is only its LLVMFuzzerTestOneInput; otherwise this adds a main()
 * that replays every file in the directories or files named on the
 * command line, so the corpus runs under gcc and the sanitizer build.
 */
#ifndef MCPRISK_FUZZ_H
#define MCPRISK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZING_LIBFUZZER
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Largest corpus file replayed. */
#define FUZZ_MAX_INPUT ((size_t)16 << 20)

static int
fuzz_replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return -1;
	}
	p = malloc(FUZZ_MAX_INPUT);
	if (!p) {
		fclose(f);
		return -1;
	}
	n = fread(p, 1, FUZZ_MAX_INPUT, f);
	fclose(f);
	/* A copy of exactly n bytes, so ASan sees reads past the end. */
	{
		uint8_t *q = malloc(n ? n : 1);

		if (!q) {
			free(p);
			return -1;
		}
		memcpy(q, p, n);
		free(p);
		LLVMFuzzerTestOneInput(q, n);
		free(q);
	}
	return 0;
}

static int
fuzz_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
fuzz_replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int ret = 0;

	if (!d) {
		fprintf(stderr, "%s: cannot open\n", dir);
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		snprintf(names[n], strlen(dir) + strlen(e->d_name) + 2,
			 "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), fuzz_cmp);
	for (i = 0; i < n; i++) {
		if (fuzz_replay_file(names[i]) < 0)
			ret = -1;
		else
			(*count)++;
		free(names[i]);
	}
	free(names);
	return ret;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int i, ret = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: no such file or directory\n",
				argv[i]);
			ret = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (fuzz_replay_dir(argv[i], &count) < 0)
				ret = 1;
		} else if (fuzz_replay_file(argv[i]) < 0) {
			ret = 1;
		} else {
			count++;
		}
	}
	printf("replayed %zu inputs\n", count);
	return ret;
}
#endif

#endif
