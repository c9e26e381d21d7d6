/*
 * Fuzz target: JSON-RPC messages as the session receives them.  The input
 * is split at newlines; each line goes to a fresh session's
 * session_receive_text (stdio rules for odd lines, HTTP rules for even)
 * after the session says what it would send, and each message is also
 * classified with the jsonrpc.c helpers.
 */
#include <string.h>

#include "crawler/jsonrpc.h"
#include "crawler/session.h"
#include "util/json.h"
#include "tests/fuzz/fuzz.h"

static void
drain(struct session *s)
{
	json_t *m;

	while ((m = session_next(s)))
		json_decref(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = session_new("fuzz", "stdio");
	struct crawl_result r = CRAWL_RESULT_INIT;
	const char *p = (const char *)data, *end = p + size;
	unsigned line = 0;

	drain(s);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *j = json_load_strict(p, n, NULL);

		if (j) {
			(void)jsonrpc_kind_name(jsonrpc_classify(j));
			(void)jsonrpc_method(j);
			(void)jsonrpc_id_is(j, 1);
			json_decref(j);
		}
		session_receive_text(s, p, n, (line++ & 1) == 0);
		drain(s);
		(void)session_waiting_for(s);
		p += n + (nl ? 1 : 0);
	}
	session_take_result(s, &r);
	crawl_result_release(&r);
	session_free(s);
	return 0;
}
