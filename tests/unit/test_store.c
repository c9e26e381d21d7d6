/*
 * Unit tests for db/store: schema versioning, manifest writes and change
 * records, failures keeping the last good tools, queries.
 */
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/t.h"
#include "db/store.h"
#include "util/buf.h"

static char dbpath[256];

static struct store *
fresh(void)
{
	struct errbuf eb = ERRBUF_INIT;
	struct store *st;
	char side[300];

	snprintf(dbpath, sizeof(dbpath), "/tmp/mcprisk-test-store-%d.db",
		 (int)getpid());
	unlink(dbpath);
	snprintf(side, sizeof(side), "%s-wal", dbpath);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", dbpath);
	unlink(side);
	st = store_open(dbpath, STORE_CREATE, &eb);
	if (!st)
		T_FAIL("store_open: %s", eb.msg);
	return st;
}

static int
put(struct store *st, int64_t run, const char *server, const char *doc,
    struct put_result *res)
{
	struct manifest m = MANIFEST_INIT;
	struct server_info info = { .name = server };
	struct errbuf eb = ERRBUF_INIT;
	int r;

	if (manifest_parse(doc, strlen(doc), &m, &eb) < 0) {
		T_FAIL("parse: %s", eb.msg);
		return -1;
	}
	r = store_put_manifest(st, run, &info, &m, NULL, true, res, &eb);
	if (r < 0)
		T_FAIL("put: %s", eb.msg);
	manifest_release(&m);
	return r;
}

static long long
count(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;

	if (sqlite3_prepare_v2((sqlite3 *)store_db(st), sql, -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

TEST(schema_is_versioned_and_newer_is_refused)
{
	struct errbuf eb = ERRBUF_INIT;
	struct store *st = fresh();

	CHECK_INT(count(st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CHECK(sqlite3_exec((sqlite3 *)store_db(st), "PRAGMA user_version = 99",
			   NULL, NULL, NULL) == SQLITE_OK);
	store_free(st);
	st = store_open(dbpath, 0, &eb);
	CHECK(st == NULL);
	CHECK_CONTAINS(eb.msg, "newer than this mcprisk supports");
	store_free(st);
}

TEST(readonly_open_of_missing_file_fails)
{
	struct errbuf eb = ERRBUF_INIT;

	CHECK(store_open("/nonexistent/dir/x.db", STORE_READONLY, &eb) == NULL);
	CHECK_CONTAINS(eb.msg, "cannot open database");
}

TEST(identical_definitions_are_stored_once)
{
	struct store *st = fresh();
	struct errbuf eb = ERRBUF_INIT;
	struct put_result res;
	int64_t run = store_run_begin(st, "test", NULL, &eb);
	const char *doc = "[{\"name\":\"get\",\"description\":\"Gets\"}]";

	put(st, run, "one", doc, &res);
	CHECK(res.new_server);
	put(st, run, "two", doc, &res);
	CHECK_INT(count(st, "SELECT count(*) FROM definitions"), 1);
	CHECK_INT(count(st, "SELECT count(*) FROM tools"), 2);
	store_free(st);
}

TEST(changes_are_recorded_per_tool)
{
	struct store *st = fresh();
	struct errbuf eb = ERRBUF_INIT;
	struct put_result res;
	int64_t run = store_run_begin(st, "test", NULL, &eb);
	json_t *ch;

	put(st, run, "s", "[{\"name\":\"a\"},{\"name\":\"b\",\"annotations\":{\"destructiveHint\":true}}]", &res);
	CHECK_INT(count(st, "SELECT count(*) FROM changes WHERE kind = 'server_added'"), 1);
	put(st, run, "s", "[{\"name\":\"b\",\"annotations\":{\"destructiveHint\":true}},{\"name\":\"a\"}]", &res);
	CHECK(res.unchanged);
	CHECK_INT(count(st, "SELECT count(*) FROM changes"), 1);
	put(st, run, "s", "[{\"name\":\"b\",\"annotations\":{\"destructiveHint\":false}},{\"name\":\"c\"}]", &res);
	CHECK(!res.unchanged);
	CHECK_INT(res.added, 1);
	CHECK_INT(res.removed, 1);
	CHECK_INT(res.changed, 1);
	CHECK_INT(count(st, "SELECT count(*) FROM tools WHERE removed_at IS NULL"), 2);
	ch = store_changes(st, 0, NULL, 0, &eb);
	CHECK(ch != NULL);
	{
		char *s = json_dumps(ch, JSON_COMPACT);

		CHECK_CONTAINS(s, "\"fields\":[{\"field\":\"annotations.destructiveHint\",\"old\":true,\"new\":false}]");
		CHECK_CONTAINS(s, "\"kind\":\"removed\"");
		CHECK_CONTAINS(s, "\"tool\":\"c\"");
		free(s);
	}
	json_decref(ch);
	/* A removed tool that comes back is "added" again. */
	put(st, run, "s", "[{\"name\":\"a\"},{\"name\":\"b\",\"annotations\":{\"destructiveHint\":false}},{\"name\":\"c\"}]", &res);
	CHECK_INT(res.added, 1);
	CHECK_INT(count(st, "SELECT count(*) FROM tools WHERE removed_at IS NULL"), 3);
	store_free(st);
}

TEST(failure_keeps_last_good_tools)
{
	struct store *st = fresh();
	struct errbuf eb = ERRBUF_INIT;
	struct put_result res;
	struct server_info info = { .name = "s" };
	int64_t run = store_run_begin(st, "test", NULL, &eb);
	json_t *srv;

	put(st, run, "s", "[{\"name\":\"a\"},{\"name\":\"b\"}]", &res);
	CHECK_INT(store_put_failure(st, &info, "timeout", "no answer in 30 s", &eb), 0);
	srv = store_server(st, "s", NULL, &eb);
	CHECK(srv != NULL);
	CHECK_STR(json_string_value(json_object_get(json_object_get(srv, "server"), "status")), "timeout");
	CHECK_INT(json_array_size(json_object_get(srv, "tools")), 2);
	json_decref(srv);
	CHECK(store_server(st, "missing", NULL, &eb) == NULL);
	CHECK_CONTAINS(eb.msg, "no server 'missing'");
	store_free(st);
}

/* A write that fails inside a batch takes the batch's other servers with
   it: each keeps its last committed tools, never half a server. */
TEST(failed_write_rolls_back_the_open_batch)
{
	struct store *st = fresh();
	struct errbuf eb = ERRBUF_INIT;
	struct put_result res;
	struct server_info info = { .name = "s2" };
	struct manifest m = MANIFEST_INIT;
	sqlite3 *db = (sqlite3 *)store_db(st);
	int64_t run = store_run_begin(st, "test", NULL, &eb);
	const char *boom = "[{\"name\":\"ok\"},{\"name\":\"boom\"}]";

	put(st, run, "s0", "[{\"name\":\"a\"},{\"name\":\"b\"}]", &res);
	store_set_batch(st, 10);
	put(st, run, "s1", "[{\"name\":\"x\"}]", &res);
	put(st, run, "s0", "[{\"name\":\"a\"},{\"name\":\"c\"}]", &res);
	CHECK_INT(sqlite3_exec(db, "CREATE TEMP TRIGGER refuse_boom BEFORE INSERT ON"
			       " main.tools WHEN NEW.name = 'boom' BEGIN"
			       " SELECT RAISE(ABORT, 'refused'); END",
			       NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(manifest_parse(boom, strlen(boom), &m, &eb), 0);
	CHECK_INT(store_put_manifest(st, run, &info, &m, NULL, true, &res, &eb),
		  -1);
	CHECK_CONTAINS(eb.msg, "refused");
	CHECK_CONTAINS(eb.msg, "the 2 servers written before it in the same "
		       "transaction keep the state of the last commit");
	CHECK_INT(store_discarded(st), 2);
	manifest_release(&m);
	/* The trigger was created inside the batch: it went with it. */
	put(st, run, "s3", "[{\"name\":\"y\"}]", &res);
	CHECK_INT(store_discarded(st), 0);
	CHECK_INT(store_flush(st, &eb), 0);
	CHECK_INT(count(st, "SELECT count(*) FROM servers WHERE name IN "
			"('s1', 's2')"), 0);
	CHECK_INT(count(st, "SELECT count(*) FROM servers WHERE name = 's3'"),
		  1);
	CHECK_INT(count(st, "SELECT group_concat(t.name, '') = 'ab' FROM"
			" (SELECT t.name FROM tools t JOIN servers s ON"
			" s.id = t.server_id WHERE s.name = 's0' AND"
			" t.removed_at IS NULL ORDER BY t.name) t"), 1);
	CHECK_INT(count(st, "SELECT count(*) FROM definitions WHERE"
			" name IN ('x', 'c', 'ok', 'boom')"), 0);
	CHECK_INT(count(st, "SELECT count(*) FROM definitions_fts WHERE"
			" definitions_fts MATCH 'y'"), 1);
	store_free(st);
}

TEST(search_finds_name_words_and_descriptions)
{
	struct store *st = fresh();
	struct errbuf eb = ERRBUF_INIT;
	struct put_result res;
	int64_t run = store_run_begin(st, "test", NULL, &eb);
	json_t *r;

	put(st, run, "aws", "[{\"name\":\"CancelAHORunBatch\"},{\"name\":\"list_s3_buckets\",\"description\":\"Lists buckets\"}]", &res);
	r = store_search(st, "cancel batch", 10, &eb);
	CHECK(r && json_array_size(json_object_get(r, "results")) == 1);
	json_decref(r);
	r = store_search(st, "bucket", 10, &eb);
	CHECK(r && json_array_size(json_object_get(r, "results")) == 1);
	json_decref(r);
	/* FTS syntax in the text is taken literally, never an error. */
	r = store_search(st, "\"AND OR NEAR( *", 10, &eb);
	CHECK(r != NULL);
	json_decref(r);
	CHECK(store_search(st, "   ", 10, &eb) == NULL);
	store_free(st);
}

TEST(verdicts_are_keyed_by_rules_version)
{
	struct store *st = fresh();
	struct errbuf eb = ERRBUF_INIT;
	struct put_result res;
	int64_t run = store_run_begin(st, "test", NULL, &eb);
	char js[] = "{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		    "\"confidence\":0.9}";
	struct verdict_row vr = { "read", "low", 10, 0.9, js }, *v = &vr;
	int n = 0;

	put(st, run, "s", "[{\"name\":\"a\"},{\"name\":\"b\"}]", &res);
	CHECK_INT(store_put_verdict(st, "nohash", "r1", v, &eb), -1);
	{
		json_t *srv = store_server(st, "s", NULL, &eb);
		const char *h = json_string_value(json_object_get(json_array_get(json_object_get(srv, "tools"), 0), "hash"));

		CHECK_INT(store_put_verdict(st, h, "r1", v, &eb), 0);
		json_decref(srv);
	}
	CHECK_INT(count(st, "SELECT count(*) FROM verdicts"), 1);
	/* One of two definitions has a verdict: the pending pass must run. */
	CHECK(!store_all_classified(st, "r1"));
	{
		json_t *srv = store_server(st, "s", NULL, &eb);
		const char *h = json_string_value(json_object_get(json_array_get(json_object_get(srv, "tools"), 1), "hash"));

		CHECK_INT(store_put_verdict(st, h, "r1", v, &eb), 0);
		json_decref(srv);
	}
	CHECK(store_all_classified(st, "r1"));
	/* A new rule set has classified nothing yet. */
	CHECK(!store_all_classified(st, "r2"));
	{
		const char *doc = "[{\"name\":\"b\"},{\"name\":\"a\"}]";
		struct manifest m = MANIFEST_INIT;

		/* Same tools in another order: the same manifest. */
		CHECK_INT(manifest_parse(doc, strlen(doc), &m, &eb), 0);
		CHECK(store_manifest_is_current(st, "s", m.hash));
		manifest_release(&m);
	}
	CHECK(store_manifest_is_current(st, "s", "no such hash") == false);
	CHECK(store_manifest_is_current(st, "missing", "x") == false);
	(void)n;
	store_free(st);
	unlink(dbpath);
}

/* store_each_unclassified's callback: the names of what it lists. */
static int
list_name(void *ctx, const char *hash, const char *json)
{
	struct buf *b = ctx;
	json_t *j = json_loads(json, 0, NULL);

	(void)hash;
	buf_puts(b, json_string_value(json_object_get(j, "name")));
	buf_puts(b, " ");
	json_decref(j);
	return 0;
}

/* store_each_unclassified for rules version rv lists want. */
#define CHECK_UNCLASSIFIED(st, rv, want)                                      \
	do {                                                                 \
		struct errbuf eb_ = ERRBUF_INIT;                             \
		struct buf b_ = BUF_INIT(1 << 10);                           \
		if (store_each_unclassified(st, rv, list_name, &b_, &eb_) < 0) \
			T_FAIL("each_unclassified: %s", eb_.msg);            \
		CHECK_STR(buf_cstr(&b_), want);                              \
		buf_release(&b_);                                            \
	} while (0)

/* Store doc for server, with a verdict of rule set rv for the tools
   whose bit is set in with. */
static void
put_some_verdicts(struct store *st, int64_t run, const char *server,
		  const char *doc, const char *rv, unsigned with)
{
	struct manifest m = MANIFEST_INIT;
	struct server_info info = { .name = server };
	struct errbuf eb = ERRBUF_INIT;
	struct verdict_row rows[8] = { { 0 } };
	struct put_verdicts pv = { rv, rows };
	struct put_result res;
	size_t i;

	if (manifest_parse(doc, strlen(doc), &m, &eb) < 0 || m.ntools > 8) {
		T_FAIL("parse: %s", eb.msg);
		return;
	}
	for (i = 0; i < m.ntools; i++)
		if (with & (1u << i))
			rows[i] = (struct verdict_row){ "read", "low", 10, 0.9,
							(char *)"{}" };
	if (store_put_manifest_verdicts(st, run, &info, &m, &pv, NULL, true,
					&res, &eb) < 0)
		T_FAIL("put: %s", eb.msg);
	manifest_release(&m);
}

/* A build lists what it stored without a verdict from its own record,
   which must agree with what the catalog holds. */
TEST(build_lists_definitions_stored_without_verdict)
{
	struct errbuf eb = ERRBUF_INIT;
	char path[96];
	struct store *st;
	int64_t run;
	bool there;

	snprintf(path, sizeof(path), "/tmp/mcprisk-test-bare-%d.db",
		 (int)getpid());
	unlink(path);
	st = store_build(path, &there, &eb);
	CHECK(st != NULL);
	if (!st)
		return;
	run = store_run_begin(st, "import", NULL, &eb);
	/* a and c come with verdicts, b without; s2 repeats b (stored
	   already) and adds d without one and e with one. */
	put_some_verdicts(st, run, "s1",
			  "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]",
			  "r1", 0x5);
	put_some_verdicts(st, run, "s2",
			  "[{\"name\":\"b\"},{\"name\":\"d\"},{\"name\":\"e\"}]",
			  "r1", 0x5);
	CHECK_UNCLASSIFIED(st, "r1", "b d ");
	/* Another rule set has no verdict at all. */
	CHECK_UNCLASSIFIED(st, "r2", "a b c d e ");
	CHECK(!store_all_classified(st, "r1"));
	{
		struct verdict_row vr = { "read", "low", 10, 0.9, (char *)"{}" };
		json_t *srv = store_server(st, "s1", NULL, &eb);
		json_t *tools = json_object_get(srv, "tools");
		size_t i;

		/* b classified since: not listed again. */
		for (i = 0; i < json_array_size(tools); i++) {
			json_t *t = json_array_get(tools, i);

			if (strcmp(json_string_value(json_object_get(t, "name")), "b") == 0)
				CHECK_INT(store_put_verdict(st, json_string_value(json_object_get(t, "hash")), "r1", &vr, &eb), 0);
		}
		json_decref(srv);
	}
	CHECK_UNCLASSIFIED(st, "r1", "d ");
	/* A verdict of a second rule set stored with a new definition: the
	   record no longer covers every rule set; the scan answers. */
	put_some_verdicts(st, run, "s3", "[{\"name\":\"f\"},{\"name\":\"g\"}]",
			  "r2", 0x1);
	CHECK_UNCLASSIFIED(st, "r1", "d f g ");
	CHECK_UNCLASSIFIED(st, "r2", "a b c d e g ");
	store_free(st);
	unlink(path);
}

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static void
touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs("not a catalog\n", f);
		fclose(f);
	}
}

/* A pid no process has: a child that has exited and been reaped. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

TEST(build_appears_only_when_published)
{
	struct errbuf eb = ERRBUF_INIT;
	struct put_result res;
	char dir[64], path[128], mine[160], dead[160], live[160], hdr[20];
	struct store *st;
	bool there;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/mcprisk-test-build-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/sub/cat.db", dir);
	snprintf(mine, sizeof(mine), "%s.build-%d", path, (int)getpid());
	snprintf(dead, sizeof(dead), "%s.build-%d", path, (int)dead_pid());
	snprintf(live, sizeof(live), "%s.build-%d", path, (int)getppid());
	/* The folder is made; a dead build's leftovers go, a live one's
	   stay. */
	st = store_build(path, &there, &eb);
	CHECK(st != NULL);
	CHECK(!there);
	store_free(st);
	CHECK(!exists(mine));
	touch(dead);
	touch(live);
	st = store_build(path, &there, &eb);
	CHECK(st != NULL && store_is_building(st));
	CHECK(!exists(dead));
	CHECK(exists(live));
	unlink(live);

	/* Nothing at path while the build runs. */
	CHECK_INT(put(st, store_run_begin(st, "import", NULL, &eb), "s", "[{\"name\":\"a\"},{\"name\":\"b\"}]", &res),
		  0);
	CHECK(exists(mine));
	CHECK(!exists(path));
	CHECK_INT(store_publish(st, &eb), 0);
	CHECK(exists(path));
	CHECK(!exists(mine));
	CHECK(!store_is_building(st));
	/* Still usable, now at path. */
	CHECK_INT(put(st, store_run_begin(st, "import", NULL, &eb), "t", "[{\"name\":\"c\"}]", &res), 0);
	CHECK_INT(count(st, "SELECT count(*) FROM tools"), 3);
	store_free(st);

	/* Published in WAL mode: the header's read and write versions are 2. */
	f = fopen(path, "rb");
	CHECK(f && fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr));
	if (f)
		fclose(f);
	CHECK_INT(hdr[18], 2);
	CHECK_INT(hdr[19], 2);
	st = store_open(path, STORE_READONLY, &eb);
	CHECK(st != NULL);
	if (st)
		CHECK_INT(count(st, "SELECT count(*) FROM tools"), 3);
	store_free(st);

	/* An existing catalog is opened, not rebuilt; so is a dangling
	   symlink, which a rename would not replace. */
	CHECK(store_build(path, &there, &eb) == NULL);
	CHECK(there);
	{
		char link_path[160];

		snprintf(link_path, sizeof(link_path), "%s/sub/link.db", dir);
		CHECK_INT(symlink("nowhere.db", link_path), 0);
		CHECK(store_build(link_path, &there, &eb) == NULL);
		CHECK(there);
		unlink(link_path);
	}

	/* Abandoned: no catalog, no build file. */
	unlink(path);
	st = store_build(path, &there, &eb);
	CHECK(st != NULL);
	CHECK_INT(put(st, store_run_begin(st, "import", NULL, &eb), "s", "[{\"name\":\"a\"}]", &res), 0);
	store_free(st);
	CHECK(!exists(path));
	CHECK(!exists(mine));

	/* Someone else made path meanwhile: theirs is kept. */
	st = store_build(path, &there, &eb);
	CHECK(st != NULL);
	touch(path);
	CHECK_INT(store_publish(st, &eb), -1);
	CHECK(strstr(eb.msg, "appeared meanwhile") != NULL);
	store_free(st);
	CHECK(!exists(mine));
	f = fopen(path, "r");
	CHECK(f && fgets(hdr, sizeof(hdr), f) &&
	      strcmp(hdr, "not a catalog\n") == 0);
	if (f)
		fclose(f);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}
