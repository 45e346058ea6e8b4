#ifndef CASEMAIL_REVIEW_JSON_H
#define CASEMAIL_REVIEW_JSON_H
/* review-json: a small JSON reader for the spool's own files
 * (manifest.json, filed.json) as the reviewers' view reads them back.
 *
 * They are casemail's output (json.c), but their strings came from mail,
 * so the reader is bounded like any parser: REVIEW_JSON_MAX_DEPTH levels,
 * the text at most REVIEW_JSON_MAX_BYTES, strings decoded to UTF-8 with
 * \u escapes (surrogate pairs joined; a lone surrogate and NUL become
 * U+FFFD). Anything that is not JSON fails the whole parse.
 *
 * Memory: review_json_parse() returns a tree of malloc'd nodes owned by
 * the caller, freed with review_json_free(); every string and node the
 * lookup functions return lives as long as the tree. */
#include <stdbool.h>
#include <stddef.h>

#define REVIEW_JSON_MAX_DEPTH 32
#define REVIEW_JSON_MAX_BYTES (64u << 20)

enum review_json_type {
	REVIEW_JSON_NULL, REVIEW_JSON_BOOL, REVIEW_JSON_NUMBER,
	REVIEW_JSON_STRING, REVIEW_JSON_ARRAY, REVIEW_JSON_OBJECT,
};

struct review_json {
	enum review_json_type type;
	char *key;                       /* member name inside an object, else NULL */
	char *str;                       /* STRING: its value, NUL-terminated */
	double num;                      /* NUMBER */
	bool boolean;                    /* BOOL */
	struct review_json *child;       /* ARRAY, OBJECT: the first element */
	struct review_json *next;        /* the next element of the parent */
};

/* Parse text[0..len). Returns the tree, or NULL with *error_r set (a
 * thread-local message). */
struct review_json *review_json_parse(const char *text, size_t len, const char **error_r);
/* Read and parse a file; NULL with *error_r when it cannot be read or
 * parsed. */
struct review_json *review_json_load(const char *path, const char **error_r);
/* Free the tree and set *j to NULL; *j may be NULL. */
void review_json_free(struct review_json **j);

/* The member key of object obj, or NULL (also when obj is no object). */
const struct review_json *review_json_get(const struct review_json *obj, const char *key);
/* The member's string value, or NULL when absent or not a string. */
const char *review_json_str(const struct review_json *obj, const char *key);
/* The member's number, or def when absent or not a number. */
double review_json_num(const struct review_json *obj, const char *key, double def);

#endif
