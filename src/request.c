// SPDX-License-Identifier: MIT
/*
 * Client requests (SPEC §5): one JSON object per line, today only
 * {"subscribe":[...]}. Strict on purpose: a client that sends something
 * we do not understand is told so and disconnected, rather than silently
 * getting a stream it did not ask for.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "request.h"

/* One name a line. */
// clang-format off
static const struct {
	const char *name;
	unsigned int bit;
} request_types[] = {
	{"rx", SUB_RX},
	{"tx", SUB_TX},
	{"sample", SUB_SAMPLE},
	{"status", SUB_STATUS},
	{"streams", SUB_STREAMS},
	{"clock", SUB_CLOCK},
	{"sync", SUB_SYNC},
};
// clang-format on

/*
 * JSON's own whitespace (RFC 8259 §2). It includes '\r', so the trailing
 * CR of a CRLF client (socat CRLF, telnet) needs no special case.
 */
static bool request_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t request_skip_space(const char *s, size_t i, size_t len)
{
	while (i < len && request_is_space(s[i])) {
		i++;
	}
	return i;
}

/* Compares with the string's length: "rx\u0000x" must not match "rx". */
static unsigned int request_type_bit(struct json_object *v)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	size_t i;

	for (i = 0; i < sizeof(request_types) / sizeof(request_types[0]); i++) {
		if (strlen(request_types[i].name) == n &&
		    memcmp(request_types[i].name, s, n) == 0) {
			return request_types[i].bit;
		}
	}
	return 0;
}

static int request_subscribe(struct json_object *arr, unsigned int *subs,
			     const char **why)
{
	size_t n = json_object_array_length(arr);
	unsigned int set = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		unsigned int bit;

		if (!json_object_is_type(v, json_type_string)) {
			*why = "subscribe member is not a string";
			return -EINVAL;
		}
		bit = request_type_bit(v);
		if (bit == 0) {
			*why = "unknown frame type in subscribe";
			return -EINVAL;
		}
		set |= bit; /* a repeated type is harmless */
	}
	*subs = set;
	return 0;
}

/* Checks the parsed object; json-c keeps the last of duplicate keys. */
static int request_object(struct json_object *obj, unsigned int *subs,
			  const char **why)
{
	struct json_object *arr = NULL; /* json-c's null is NULL too */
	bool found = false;

	if (!json_object_is_type(obj, json_type_object)) {
		*why = "request is not a JSON object";
		return -EINVAL;
	}
	json_object_object_foreach(obj, key, val)
	{
		if (strcmp(key, "subscribe") != 0) {
			*why = "unknown key in request";
			return -EINVAL;
		}
		arr = val;
		found = true;
	}
	if (!found) {
		*why = "request has no \"subscribe\"";
		return -EINVAL;
	}
	if (!json_object_is_type(arr, json_type_array)) {
		*why = "\"subscribe\" is not an array";
		return -EINVAL;
	}
	return request_subscribe(arr, subs, why);
}

int request_parse(const char *line, size_t len, unsigned int *subs,
		  const char **why)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t start, end;
	int r;

	if (len > REQUEST_MAX_LINE) {
		*why = "request line too long";
		return -EMSGSIZE;
	}
	/* json-c would stop at a NUL and hide what follows it. */
	if (memchr(line, '\0', len) != NULL) {
		*why = "NUL byte in request";
		return -EINVAL;
	}
	start = request_skip_space(line, 0, len);
	if (start == len) {
		*why = "blank line";
		return -ENODATA;
	}
	/* Saves a parse, and a bare number would only report "incomplete". */
	if (line[start] != '{') {
		*why = "request is not a JSON object";
		return -EINVAL;
	}

	tok = json_tokener_new();
	if (tok == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	/* Strict RFC JSON in UTF-8; trailing bytes are judged below. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_ALLOW_TRAILING_CHARS |
					    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line + start, (int)(len - start));
	jerr = json_tokener_get_error(tok);
	end = start + json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (obj == NULL) {
		*why = jerr == json_tokener_continue ? "incomplete JSON"
						     : "invalid JSON";
		return -EINVAL;
	}
	if (request_skip_space(line, end, len) != len) {
		*why = "trailing garbage after JSON";
		json_object_put(obj);
		return -EINVAL;
	}
	r = request_object(obj, subs, why);
	json_object_put(obj);
	return r;
}
