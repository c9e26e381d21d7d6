/*
 * Unit tests for util/jalloc: jansson trees in arenas and on the heap, in
 * one process, freed the right way.  The allocator is installed by the
 * first test's constructor, before jansson allocates anything.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/t.h"
#include "util/jalloc.h"

__attribute__((constructor(101))) static void
install(void)
{
	jalloc_install();
}

static json_t *
tree(int n)
{
	json_t *root = json_object(), *arr = json_array();
	int i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_sprintf("tool%d", i));
		json_object_set_new(o, "n", json_integer(i));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "tools", arr);
	return root;
}

TEST(heap_values_and_text)
{
	json_t *j = tree(3);
	char *a = json_text(j, JSON_COMPACT), *b = json_dumps(j, JSON_COMPACT);

	CHECK(a && b);
	if (a && b)
		CHECK_STR(a, b);
	free(a);          /* json_text: plain heap */
	json_free_text(b); /* json_dumps: jansson's */
	json_decref(j);
}

TEST(arena_trees_live_until_reset)
{
	struct jarena *a = jarena_new();
	int round;

	for (round = 0; round < 50; round++) {
		struct jarena *prev = jarena_use(a);
		json_t *j = tree(500);
		char *text;

		/* A block larger than a chunk. */
		{
			char *s = malloc(300000);

			memset(s, 'x', 299999);
			s[299999] = '\0';
			json_object_set_new(j, "big", json_string(s));
			free(s);
		}
		CHECK(jarena_use(prev) == a);
		/* Usable after the arena is left, and a heap object may hold
		   arena values while both live. */
		{
			json_t *h = json_object();

			json_object_set(h, "t", json_object_get(j, "tools"));
			CHECK_INT((int)json_array_size(json_object_get(h, "t")),
				  500);
			json_decref(h);
		}
		text = json_text(j, JSON_COMPACT);
		CHECK(text && strstr(text, "\"name\":\"tool499\"") != NULL);
		CHECK_INT((int)strlen(json_string_value(json_object_get(j, "big"))),
			  299999);
		free(text);
		json_decref(j); /* no-op frees */
		jarena_reset(a);
	}
	jarena_free(a);
}

static void *
other_thread(void *arg)
{
	json_t **out = arg;

	*out = json_string("made on another thread");
	return NULL;
}

TEST(arenas_are_per_thread)
{
	struct jarena *a = jarena_new();
	json_t *theirs = NULL;
	pthread_t t;
	int i;

	CHECK(jarena_use(a) == NULL);
	CHECK_INT(pthread_create(&t, NULL, other_thread, &theirs), 0);
	pthread_join(t, NULL);
	jarena_use(NULL);
	/* Reuse the arena's memory: a value the other thread put there
	   would be overwritten. */
	jarena_reset(a);
	jarena_use(a);
	for (i = 0; i < 1000; i++)
		json_string("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	jarena_use(NULL);
	CHECK(theirs != NULL);
	if (theirs)
		CHECK_STR(json_string_value(theirs), "made on another thread");
	json_decref(theirs);
	jarena_free(a);
}

/* An arena shared by holders lives until the last lets go, on any
   thread; its size counts what its chunks hold. */
static void *
drop(void *arg)
{
	jarena_free(arg);
	return NULL;
}

TEST(arena_holders_and_size)
{
	struct jarena *a = jarena_new(), *prev;
	json_t *j;
	pthread_t tid;

	CHECK(jarena_bytes(a) == 0);
	CHECK(jarena_bytes(NULL) == 0);
	prev = jarena_use(a);
	j = tree(2000);
	jarena_use(prev);
	CHECK(jarena_bytes(a) > 64 * 1024);
	CHECK(jarena_ref(a) == a);
	CHECK(jarena_ref(NULL) == NULL);
	/* One holder drops it on another thread; the tree is still there. */
	CHECK(pthread_create(&tid, NULL, drop, a) == 0);
	pthread_join(tid, NULL);
	CHECK_STR(json_string_value(json_object_get(
			  json_array_get(json_object_get(j, "tools"), 1999),
			  "name")),
		  "tool1999");
	json_decref(j);
	jarena_reset(a);
	CHECK(jarena_bytes(a) <= 64 * 1024);
	jarena_free(a);
}
