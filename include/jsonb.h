/* SPDX-License-Identifier: MIT */
/*
 * A json-c object builder with a sticky error, shared by every frame
 * encoder (frame.c, streams.c): the first failure wins and later adds are
 * no-ops, so an encoder reads as a plain list of keys in wire order. Keys
 * are string literals, added once each. Pure (memory only).
 */
#ifndef TBLK_JSONB_H
#define TBLK_JSONB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct jsonb {
	struct json_object *obj;
	int err; /* 0, or the first -errno */
};

/* A new empty object (err -ENOMEM when json-c cannot allocate one). */
void jsonb_begin(struct jsonb *b);

/* Add @val under @key; @val is owned by @b from here on (freed on error). */
void jsonb_add(struct jsonb *b, const char *key, struct json_object *val);
void jsonb_null(struct jsonb *b, const char *key);
void jsonb_int(struct jsonb *b, const char *key, int64_t v);
void jsonb_uint(struct jsonb *b, const char *key, uint64_t v);
void jsonb_bool(struct jsonb *b, const char *key, bool v);
void jsonb_str(struct jsonb *b, const char *key, const char *s);

/* Hand the object of @c to @b under @key, or take over @c's error. */
void jsonb_child(struct jsonb *b, const char *key, struct jsonb *c);

/*
 * Serialise @b plain (no spaces, "/" unescaped) into @buf with a '\n' and
 * a NUL after it, and free the object. Returns the length with the '\n',
 * or @b's error, -ENOSPC when it does not fit @size, -ENOMEM.
 */
int jsonb_finish(struct jsonb *b, char *buf, size_t size);

#endif
