/*
 * A tiny unit-test harness: TEST() registers a function, CHECK* records a
 * failure with file:line and the reason, main() runs them all and prints
 * "# passed N failed M" for tests/run.sh to add up.
 */
#ifndef MCPRISK_T_H
#define MCPRISK_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

#define T_MAX 512
static struct t_case t_cases[T_MAX];
static int t_ncases;
static int t_failed_now;

#define TEST(fname)                                                         \
	static void fname(void);                                            \
	__attribute__((constructor)) static void t_reg_##fname(void)       \
	{                                                                   \
		if (t_ncases < T_MAX)                                       \
			t_cases[t_ncases++] = (struct t_case){ #fname, fname }; \
	}                                                                   \
	static void fname(void)

#define T_FAIL(...)                                                         \
	do {                                                                \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);           \
		fprintf(stderr, __VA_ARGS__);                               \
		fputc('\n', stderr);                                        \
		t_failed_now = 1;                                           \
	} while (0)

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond))                                                \
			T_FAIL("check failed: %s", #cond);                  \
	} while (0)

#define CHECK_INT(a, b)                                                     \
	do {                                                                \
		long long t_a = (long long)(a), t_b = (long long)(b);       \
		if (t_a != t_b)                                             \
			T_FAIL("%s == %lld, expected %lld", #a, t_a, t_b);  \
	} while (0)

#define CHECK_STR(a, b)                                                     \
	do {                                                                \
		const char *t_a = (a), *t_b = (b);                          \
		if (!t_a || !t_b || strcmp(t_a, t_b) != 0)                  \
			T_FAIL("%s == \"%s\", expected \"%s\"", #a,          \
			       t_a ? t_a : "(null)", t_b ? t_b : "(null)"); \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                         \
	do {                                                                \
		const char *t_h = (hay), *t_n = (needle);                   \
		if (!t_h || !strstr(t_h, t_n))                              \
			T_FAIL("%s == \"%s\" does not contain \"%s\"", #hay, \
			       t_h ? t_h : "(null)", t_n);                  \
	} while (0)

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0, i;

	for (i = 0; i < t_ncases; i++) {
		if (argc > 1 && strcmp(argv[1], t_cases[i].name) != 0)
			continue;
		t_failed_now = 0;
		t_cases[i].fn();
		if (t_failed_now) {
			printf("FAIL %s\n", t_cases[i].name);
			failed++;
		} else {
			printf("ok   %s\n", t_cases[i].name);
			passed++;
		}
	}
	printf("# passed %d failed %d\n", passed, failed);
	return failed ? 1 : 0;
}

#endif
