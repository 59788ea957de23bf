// SPDX-License-Identifier: MIT
/* The sticky-error json-c object builder, see jsonb.h. */
#include <errno.h>
#include <string.h>

#include "jsonb.h"

void jsonb_begin(struct jsonb *b)
{
	b->err = 0;
	b->obj = json_object_new_object();
	if (!b->obj) {
		b->err = -ENOMEM;
	}
}

void jsonb_add(struct jsonb *b, const char *key, struct json_object *val)
{
	if (b->err) {
		json_object_put(val);
		return;
	}
	if (!val) {
		b->err = -ENOMEM;
		return;
	}
	/* Keys are string literals and each is added once: skip json-c's
	 * strdup and duplicate lookup on this per-packet path. On failure
	 * json-c does not take ownership of @val. */
	if (json_object_object_add_ex(b->obj, key, val,
				      JSON_C_OBJECT_ADD_KEY_IS_NEW |
					      JSON_C_OBJECT_ADD_CONSTANT_KEY)) {
		json_object_put(val);
		b->err = -ENOMEM;
	}
}

void jsonb_null(struct jsonb *b, const char *key)
{
	/* json-c represents JSON null as a NULL value pointer. */
	if (!b->err &&
	    json_object_object_add_ex(b->obj, key, NULL,
				      JSON_C_OBJECT_ADD_KEY_IS_NEW |
					      JSON_C_OBJECT_ADD_CONSTANT_KEY)) {
		b->err = -ENOMEM;
	}
}

void jsonb_int(struct jsonb *b, const char *key, int64_t v)
{
	if (!b->err) {
		jsonb_add(b, key, json_object_new_int64(v));
	}
}

/* json_object_new_uint64 (json-c >= 0.14): a uint64 never wraps to a
 * negative number on the wire. */
void jsonb_uint(struct jsonb *b, const char *key, uint64_t v)
{
	if (!b->err) {
		jsonb_add(b, key, json_object_new_uint64(v));
	}
}

void jsonb_bool(struct jsonb *b, const char *key, bool v)
{
	if (!b->err) {
		jsonb_add(b, key, json_object_new_boolean(v));
	}
}

void jsonb_str(struct jsonb *b, const char *key, const char *s)
{
	if (!b->err) {
		jsonb_add(b, key, json_object_new_string(s));
	}
}

void jsonb_child(struct jsonb *b, const char *key, struct jsonb *c)
{
	if (c->err) {
		json_object_put(c->obj);
		if (!b->err) {
			b->err = c->err;
		}
		return;
	}
	jsonb_add(b, key, c->obj);
}

/* The string json-c returns belongs to the object, so the copy must
 * happen before the put. */
int jsonb_finish(struct jsonb *b, char *buf, size_t size)
{
	const char *s;
	size_t len;
	int r;

	if (b->err) {
		r = b->err;
		goto out;
	}
	s = json_object_to_json_string_ext(
		b->obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	len = strlen(s);
	if (len + 2 > size || len + 1 > (size_t)INT32_MAX) {
		r = -ENOSPC;
		goto out;
	}
	memcpy(buf, s, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	r = (int)(len + 1);
out:
	json_object_put(b->obj);
	return r;
}
