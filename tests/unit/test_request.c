// SPDX-License-Identifier: MIT
/*
 * request_parse: every accepted shape and every rejected one, each with
 * the reason it must give. Lines are copied to exact-size heap blocks
 * without a terminating NUL, so a read past @len shows under ASan.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

#define ALL	  (SUB_RX | SUB_TX | SUB_SAMPLE | SUB_STATUS)
#define UNTOUCHED 0xdeadu

/* Parses @n bytes of @s from an unterminated heap copy. */
static int parse_n(const char *s, size_t n, unsigned int *subs,
		   const char **why)
{
	char *copy = malloc(n ? n : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, s, n);
	*subs = UNTOUCHED;
	*why = NULL;
	r = request_parse(copy, n, subs, why);
	free(copy);
	return r;
}

struct ok_case {
	const char *line;
	unsigned int subs;
};

static const struct ok_case ok_cases[] = {
	{"{\"subscribe\":[\"rx\",\"tx\",\"sample\",\"status\"]}", ALL},
	{"{\"subscribe\":[\"rx\",\"tx\",\"sample\",\"status\",\"streams\"]}",
	 ALL | SUB_STREAMS},
	{"{\"subscribe\":[\"rx\"]}", SUB_RX},
	{"{\"subscribe\":[\"tx\"]}", SUB_TX},
	{"{\"subscribe\":[\"sample\"]}", SUB_SAMPLE},
	{"{\"subscribe\":[\"status\"]}", SUB_STATUS},
	{"{\"subscribe\":[\"streams\"]}", SUB_STREAMS},
	{"{\"subscribe\":[\"clock\"]}", SUB_CLOCK},
	{"{\"subscribe\":[\"clock\",\"status\"]}", SUB_CLOCK | SUB_STATUS},
	{"{\"subscribe\":[\"sync\"]}", SUB_SYNC},
	{"{\"subscribe\":[\"status\",\"sync\"]}", SUB_STATUS | SUB_SYNC},
	/* empty array: subscribe to nothing */
	{"{\"subscribe\":[]}", 0},
	/* a repeated type is harmless */
	{"{\"subscribe\":[\"rx\",\"rx\",\"status\",\"rx\"]}",
	 SUB_RX | SUB_STATUS},
	/* JSON whitespace anywhere JSON allows it */
	{" \t{ \"subscribe\" : [ \"rx\" , \"tx\" ] } \t", SUB_RX | SUB_TX},
	/* a trailing CR (CRLF clients) */
	{"{\"subscribe\":[\"sample\"]}\r", SUB_SAMPLE},
	/* escapes decode before matching: \u0072x is "rx" */
	{"{\"subscribe\":[\"\\u0072x\"]}", SUB_RX},
	/* duplicate keys: json-c keeps the last */
	{"{\"subscribe\":[\"rx\"],\"subscribe\":[\"tx\"]}", SUB_TX},
};

static void test_accepted(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		unsigned int subs;
		const char *why;
		int r = parse_n(c->line, strlen(c->line), &subs, &why);

		if (r != 0 || subs != c->subs) {
			fail_msg("'%s': %d (%s) subs %#x", c->line, r,
				 why ? why : "-", subs);
		}
	}
}

struct bad_case {
	const char *line;
	int err;
	const char *why;
};

#define NOT_OBJ	 "request is not a JSON object"
#define BAD_JSON "invalid JSON"
#define TRAILING "trailing garbage after JSON"
#define NOT_STR	 "subscribe member is not a string"
#define UNKNOWN	 "unknown frame type in subscribe"
#define NOT_ARR	 "\"subscribe\" is not an array"
#define NO_SUB	 "request has no \"subscribe\""
#define BAD_KEY	 "unknown key in request"

static const struct bad_case bad_cases[] = {
	/* blank lines: nothing to do */
	{"", -ENODATA, "blank line"},
	{"\r", -ENODATA, "blank line"},
	{" \t ", -ENODATA, "blank line"},
	{"  \r", -ENODATA, "blank line"},
	/* not an object */
	{"[\"rx\"]", -EINVAL, NOT_OBJ},
	{"\"rx\"", -EINVAL, NOT_OBJ},
	{"123", -EINVAL, NOT_OBJ},
	{"null", -EINVAL, NOT_OBJ},
	{"true", -EINVAL, NOT_OBJ},
	{"subscribe rx", -EINVAL, NOT_OBJ},
	/* not JSON, or not strict JSON */
	{"{\"subscribe\":[\"rx\"]", -EINVAL, "incomplete JSON"},
	{"{", -EINVAL, "incomplete JSON"},
	{"{\"subscribe\":[\"rx\",]}", -EINVAL, BAD_JSON},
	{"{'subscribe':['rx']}", -EINVAL, BAD_JSON},
	{"{subscribe:[\"rx\"]}", -EINVAL, BAD_JSON},
	{"{\"subscribe\":[\"rx\"],}", -EINVAL, BAD_JSON},
	{"{\"subscribe\" [\"rx\"]}", -EINVAL, BAD_JSON},
	{"{\"subscribe\":[\"r\\x\"]}", -EINVAL, BAD_JSON},
	/* invalid UTF-8: a lone continuation byte, a truncated sequence */
	{"{\"subscribe\":[\"\x80\"]}", -EINVAL, BAD_JSON},
	{"{\"subscribe\":[\"rx\"],\"\xe2\x82\":1}", -EINVAL, BAD_JSON},
	/* json-c's UTF-8 check lets an overlong '/' through; the exact
	 * match still refuses it, so no odd bytes are ever accepted */
	{"{\"subscribe\":[\"\xc0\xaf\"]}", -EINVAL, UNKNOWN},
	/* trailing garbage, including a second object */
	{"{\"subscribe\":[\"rx\"]}x", -EINVAL, TRAILING},
	{"{\"subscribe\":[\"rx\"]}{\"subscribe\":[]}", -EINVAL, TRAILING},
	{"{\"subscribe\":[\"rx\"]} ,", -EINVAL, TRAILING},
	{"{\"subscribe\":[\"rx\"]}\rx", -EINVAL, TRAILING},
	{"{\"subscribe\":[]}}", -EINVAL, TRAILING},
	/* "subscribe" missing or not an array */
	{"{}", -EINVAL, NO_SUB},
	{"{\"subscribe\":\"rx\"}", -EINVAL, NOT_ARR},
	{"{\"subscribe\":null}", -EINVAL, NOT_ARR},
	{"{\"subscribe\":{\"rx\":true}}", -EINVAL, NOT_ARR},
	{"{\"subscribe\":1}", -EINVAL, NOT_ARR},
	/* members that are not strings */
	{"{\"subscribe\":[1]}", -EINVAL, NOT_STR},
	{"{\"subscribe\":[null]}", -EINVAL, NOT_STR},
	{"{\"subscribe\":[true]}", -EINVAL, NOT_STR},
	{"{\"subscribe\":[[\"rx\"]]}", -EINVAL, NOT_STR},
	{"{\"subscribe\":[\"rx\",{\"tx\":1}]}", -EINVAL, NOT_STR},
	/* unknown frame types: exact, case-sensitive, whole string */
	{"{\"subscribe\":[\"RX\"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"rx \"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"r\"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"rxx\"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"\"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"rx\",\"frames\"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"rx\\u0000\"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"statu\"]}", -EINVAL, UNKNOWN},
	{"{\"subscribe\":[\"stream\"]}", -EINVAL, UNKNOWN},
	/* unknown keys, before or after "subscribe" */
	{"{\"subscribe\":[\"rx\"],\"extra\":1}", -EINVAL, BAD_KEY},
	{"{\"v\":1,\"subscribe\":[\"rx\"]}", -EINVAL, BAD_KEY},
	{"{\"Subscribe\":[\"rx\"]}", -EINVAL, BAD_KEY},
	{"{\"subscribe \":[\"rx\"]}", -EINVAL, BAD_KEY},
};

static void test_rejected(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		unsigned int subs;
		const char *why;
		int r = parse_n(c->line, strlen(c->line), &subs, &why);

		if (r != c->err || why == NULL || strcmp(why, c->why) != 0 ||
		    subs != UNTOUCHED) {
			fail_msg("'%s': %d (%s) subs %#x, want %d (%s)",
				 c->line, r, why ? why : "-", subs, c->err,
				 c->why);
		}
	}
}

/* NUL bytes are rejected wherever they are, even after a valid object. */
static void test_nul_bytes(void **state)
{
	static const char after[] = "{\"subscribe\":[\"rx\"]}\0";
	static const char inside[] = "{\"subscribe\":[\"rx\0\"]}";
	static const char first[] = "\0{\"subscribe\":[\"rx\"]}";
	static const char before_cr[] = "{\"subscribe\":[]}\0\r";
	unsigned int subs;
	const char *why;

	(void)state;
	assert_int_equal(parse_n(after, sizeof(after) - 1, &subs, &why),
			 -EINVAL);
	assert_string_equal(why, "NUL byte in request");
	assert_int_equal(parse_n(inside, sizeof(inside) - 1, &subs, &why),
			 -EINVAL);
	assert_string_equal(why, "NUL byte in request");
	assert_int_equal(parse_n(first, sizeof(first) - 1, &subs, &why),
			 -EINVAL);
	assert_string_equal(why, "NUL byte in request");
	assert_int_equal(parse_n(before_cr, sizeof(before_cr) - 1, &subs, &why),
			 -EINVAL);
	assert_string_equal(why, "NUL byte in request");
	assert_int_equal(subs, UNTOUCHED);
	/* good: the same bytes without the NUL */
	assert_int_equal(parse_n(after, sizeof(after) - 2, &subs, &why), 0);
	assert_int_equal(subs, SUB_RX);
}

/* A request padded with spaces to exactly @n bytes. */
static char *padded(size_t n)
{
	static const char req[] = "{\"subscribe\":[\"status\"]}";
	char *s = malloc(n + 1);

	assert_non_null(s);
	assert_true(n >= sizeof(req) - 1);
	memset(s, ' ', n);
	memcpy(s, req, sizeof(req) - 1);
	s[n] = '\0';
	return s;
}

/* The limit is on the bytes received, a trailing '\r' included. */
static void test_max_line(void **state)
{
	char *s = padded(REQUEST_MAX_LINE);
	unsigned int subs;
	const char *why;

	(void)state;
	assert_int_equal(parse_n(s, REQUEST_MAX_LINE, &subs, &why), 0);
	assert_int_equal(subs, SUB_STATUS);
	free(s);

	s = padded(REQUEST_MAX_LINE + 1);
	assert_int_equal(parse_n(s, REQUEST_MAX_LINE + 1, &subs, &why),
			 -EMSGSIZE);
	assert_string_equal(why, "request line too long");
	assert_int_equal(subs, UNTOUCHED);
	/* over-long is judged before anything else, even a CR */
	s[REQUEST_MAX_LINE] = '\r';
	assert_int_equal(parse_n(s, REQUEST_MAX_LINE + 1, &subs, &why),
			 -EMSGSIZE);
	memset(s, 0, REQUEST_MAX_LINE + 1);
	assert_int_equal(parse_n(s, REQUEST_MAX_LINE + 1, &subs, &why),
			 -EMSGSIZE);
	free(s);
}

/* json-c's depth limit turns deep nesting into an error, not a crash. */
static void test_deep_nesting(void **state)
{
	char line[REQUEST_MAX_LINE];
	unsigned int subs;
	const char *why;
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(line, sizeof(line), "{\"subscribe\":");
	for (i = 0; i < 400; i++) {
		line[n++] = '[';
	}
	for (i = 0; i < 400; i++) {
		line[n++] = ']';
	}
	line[n++] = '}';
	assert_true(n <= sizeof(line));
	assert_int_equal(parse_n(line, n, &subs, &why), -EINVAL);
	assert_string_equal(why, BAD_JSON);
}

/* Every line up to the limit parses on its own: no state carries over. */
static void test_independent_calls(void **state)
{
	unsigned int subs;
	const char *why;

	(void)state;
	assert_int_equal(parse_n("{\"subscribe\":[\"rx\"", 18, &subs, &why),
			 -EINVAL);
	assert_int_equal(parse_n("]}", 2, &subs, &why), -EINVAL);
	assert_string_equal(why, NOT_OBJ);
	assert_int_equal(parse_n("{\"subscribe\":[\"tx\"]}", 20, &subs, &why),
			 0);
	assert_int_equal(subs, SUB_TX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_max_line),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_independent_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
