/*
 * Crawl results: status names (the strings stored in the catalog and shown
 * to users) and release.
 */
#include "crawler/result.h"
#include "util/banned.h"

const char *
crawl_status_str(enum crawl_status st)
{
	switch (st) {
	case CRAWL_OK:
		return "ok";
	case CRAWL_AUTH_REQUIRED:
		return "auth_required";
	case CRAWL_TIMEOUT:
		return "timeout";
	case CRAWL_SPAWN_FAILED:
		return "spawn_failed";
	case CRAWL_UNREACHABLE:
		return "unreachable";
	case CRAWL_HTTP_ERROR:
		return "http_error";
	case CRAWL_PROTOCOL_ERROR:
		return "protocol_error";
	case CRAWL_PROTOCOL_TOO_NEW:
		return "protocol_too_new";
	case CRAWL_TOO_LARGE:
		return "too_large";
	case CRAWL_BLOCKED:
		return "blocked";
	case CRAWL_INIT_ERROR:
		return "init_error";
	case CRAWL_TRANSPORT_UNSUPPORTED:
		return "transport_unsupported";
	case CRAWL_NO_TOOLS_CAPABILITY:
		return "no_tools_capability";
	case CRAWL_SKIPPED:
		return "skipped";
	case CRAWL_PRESET:
		return "preset";
	}
	return "unknown";
}

const char *
crawl_status_name(const struct crawl_result *r)
{
	if (r->status == CRAWL_PRESET && r->preset_status)
		return r->preset_status;
	return crawl_status_str(r->status);
}

void
crawl_result_release(struct crawl_result *r)
{
	manifest_release(&r->manifest);
	json_decref(r->server);
	r->server = NULL;
	json_decref(r->details);
	r->details = NULL;
}
