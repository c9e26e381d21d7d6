/*
 * JSON-RPC 2.0 as MCP uses it: building the messages the client sends and
 * classifying the ones it receives.  The client's request ids are
 * integers it generates, so matching is by integer only.
 */
#ifndef MCPRISK_JSONRPC_H
#define MCPRISK_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>

/* JSON-RPC standard error codes used by the client. */
#define JSONRPC_METHOD_NOT_FOUND (-32601)
#define JSONRPC_INVALID_PARAMS (-32602)

enum jsonrpc_kind {
	JSONRPC_INVALID,      /* not a JSON-RPC 2.0 message */
	JSONRPC_REQUEST,      /* method and id: the server asks us */
	JSONRPC_NOTIFICATION, /* method, no id: no reply allowed */
	JSONRPC_RESPONSE,     /* id with result or error */
};

/* A request {"jsonrpc","id","method"[,"params"]}; steals params (may be
   NULL).  New reference. */
json_t *jsonrpc_request(long long id, const char *method, json_t *params);

/* A notification (no id); steals params (may be NULL).  New reference. */
json_t *jsonrpc_notification(const char *method, json_t *params);

/* A result response to the request with id (copied); steals result. */
json_t *jsonrpc_result(const json_t *id, json_t *result);

/* An error response to the request with id (copied). */
json_t *jsonrpc_error(const json_t *id, int code, const char *message);

/*
 * What msg is.  Requests need a string or integer id (MCP forbids null);
 * responses need exactly one of "result" (an object) or "error" (an object
 * with an integer "code"); "jsonrpc" must be "2.0" when present.
 */
enum jsonrpc_kind jsonrpc_classify(const json_t *msg);

/* True when the message's id is the integer id. */
bool jsonrpc_id_is(const json_t *msg, long long id);

/* The method of a request or notification, or NULL (borrowed). */
const char *jsonrpc_method(const json_t *msg);

/* Name of a kind, for messages and tests ("request", ...). */
const char *jsonrpc_kind_name(enum jsonrpc_kind k);

#endif
