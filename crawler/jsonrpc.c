/*
 * JSON-RPC 2.0 message construction and classification for the MCP
 * client.  Incoming messages are hostile: every member's type is checked
 * before it is trusted.
 */
#include <string.h>

#include "crawler/jsonrpc.h"
#include "util/json.h"
#include "util/banned.h"

static json_t *
envelope(void)
{
	return json_pack("{s:s}", "jsonrpc", "2.0");
}

json_t *
jsonrpc_request(long long id, const char *method, json_t *params)
{
	json_t *m = envelope();

	json_object_set_new(m, "id", json_integer(id));
	json_object_set_new(m, "method", json_string(method));
	if (params)
		json_object_set_new(m, "params", params);
	return m;
}

json_t *
jsonrpc_notification(const char *method, json_t *params)
{
	json_t *m = envelope();

	json_object_set_new(m, "method", json_string(method));
	if (params)
		json_object_set_new(m, "params", params);
	return m;
}

json_t *
jsonrpc_result(const json_t *id, json_t *result)
{
	json_t *m = envelope();

	json_object_set_new(m, "id", id ? json_deep_copy(id) : json_null());
	json_object_set_new(m, "result", result);
	return m;
}

json_t *
jsonrpc_error(const json_t *id, int code, const char *message)
{
	json_t *m = envelope();

	json_object_set_new(m, "id", id ? json_deep_copy(id) : json_null());
	json_object_set_new(m, "error", json_pack("{s:i,s:s}", "code", code,
						  "message", message));
	return m;
}

enum jsonrpc_kind
jsonrpc_classify(const json_t *msg)
{
	const json_t *ver, *id, *method, *result, *error;

	if (!json_is_object(msg))
		return JSONRPC_INVALID;
	ver = json_object_get(msg, "jsonrpc");
	if (ver && (!json_is_string(ver) ||
		    strcmp(json_string_value(ver), "2.0") != 0))
		return JSONRPC_INVALID;
	id = json_object_get(msg, "id");
	method = json_object_get(msg, "method");
	result = json_object_get(msg, "result");
	error = json_object_get(msg, "error");
	if (method) {
		if (!json_is_string(method) || result || error)
			return JSONRPC_INVALID;
		if (!id)
			return JSONRPC_NOTIFICATION;
		if (json_is_string(id) || json_is_integer(id))
			return JSONRPC_REQUEST;
		return JSONRPC_INVALID;
	}
	if (!id || (result && error) || (!result && !error))
		return JSONRPC_INVALID;
	if (!json_is_string(id) && !json_is_integer(id) && !json_is_null(id))
		return JSONRPC_INVALID;
	if (result)
		return json_is_object(result) ? JSONRPC_RESPONSE
					      : JSONRPC_INVALID;
	if (!json_is_object(error) ||
	    !json_is_integer(json_object_get(error, "code")))
		return JSONRPC_INVALID;
	return JSONRPC_RESPONSE;
}

bool
jsonrpc_id_is(const json_t *msg, long long id)
{
	const json_t *v = json_object_get(msg, "id");

	return json_is_integer(v) && json_integer_value(v) == id;
}

const char *
jsonrpc_method(const json_t *msg)
{
	return json_get_str(msg, "method");
}

const char *
jsonrpc_kind_name(enum jsonrpc_kind k)
{
	switch (k) {
	case JSONRPC_REQUEST:
		return "request";
	case JSONRPC_NOTIFICATION:
		return "notification";
	case JSONRPC_RESPONSE:
		return "response";
	case JSONRPC_INVALID:
		break;
	}
	return "invalid";
}
