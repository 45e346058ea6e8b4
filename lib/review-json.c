/* review-json: see review-json.h. A recursive-descent reader over the
 * whole text; the depth bound keeps the recursion small. */
#include "review-json.h"
#include "buf.h"
#include "fsutil.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread char review_json_err[128];

struct rj {
	const char *p, *end, *start;
	const char *error;
};

static void rj_fail(struct rj *r, const char *what)
{
	if (r->error == NULL) {
		snprintf(review_json_err, sizeof(review_json_err), "JSON: %s at byte %zu",
			 what, (size_t)(r->p - r->start));
		r->error = review_json_err;
	}
}

static int rj_err(struct rj *r, const char *what)
{
	rj_fail(r, what);
	return -1;
}

static void rj_space(struct rj *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' ||
				 *r->p == '\r'))
		r->p++;
}

static bool rj_lit(struct rj *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static int rj_hex4(struct rj *r, uint32_t *v_r)
{
	uint32_t v = 0;

	if (r->end - r->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (uint32_t)((c | 0x20) - 'a' + 10);
		else
			return -1;
	}
	*v_r = v;
	return 0;
}

/* After "\u": one code point, a surrogate pair joined. */
static int rj_escape_u(struct rj *r, struct buf *b)
{
	uint32_t hi, lo;

	if (rj_hex4(r, &hi) < 0)
		return -1;
	if (hi >= 0xd800 && hi < 0xdc00 && r->end - r->p >= 6 &&
	    r->p[0] == '\\' && r->p[1] == 'u') {
		const char *save = r->p;

		r->p += 2;
		if (rj_hex4(r, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
			buf_put_utf8(b, 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
			return 0;
		}
		r->p = save;
	}
	buf_put_utf8(b, hi == 0 ? 0xfffd : hi);
	return 0;
}

/* A string at r->p (the opening quote), malloc'd into *s_r. */
static int rj_string(struct rj *r, char **s_r)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	struct buf b = BUF_INIT;

	r->p++;
	while (r->p < r->end && *r->p != '"') {
		const char *run = r->p;

		while (r->p < r->end && *r->p != '"' && *r->p != '\\' &&
		       (unsigned char)*r->p >= 0x20)
			r->p++;
		buf_append(&b, run, (size_t)(r->p - run));
		if (r->p >= r->end || *r->p == '"')
			break;
		if (*r->p != '\\' || r->end - r->p < 2)
			goto bad;
		r->p++;
		const char *e = strchr(esc_in, *r->p);
		if (*r->p == 'u') {
			r->p++;
			if (rj_escape_u(r, &b) < 0)
				goto bad;
		} else if (e != NULL && *r->p != '\0') {
			buf_putc(&b, esc_out[e - esc_in]);
			r->p++;
		} else {
			goto bad;
		}
	}
	if (r->p >= r->end)
		goto bad;
	r->p++;
	*s_r = buf_steal(&b);
	return 0;
bad:
	rj_fail(r, "bad string");
	buf_free(&b);
	return -1;
}

static int rj_number(struct rj *r, double *v_r)
{
	char tmp[64], *end;
	size_t n = 0;

	while (r->p + n < r->end && n < sizeof(tmp) - 1 &&
	       strchr("+-0123456789.eE", r->p[n]) != NULL && r->p[n] != '\0')
		n++;
	memcpy(tmp, r->p, n);
	tmp[n] = '\0';
	*v_r = strtod(tmp, &end);
	if (n == 0 || end != tmp + n) {
		rj_fail(r, "bad number");
		return -1;
	}
	r->p += n;
	return 0;
}

static struct review_json *rj_value(struct rj *r, unsigned depth);

/* The elements (or members) of an array or object after its bracket. */
static int rj_children(struct rj *r, struct review_json *v, bool object, unsigned depth)
{
	struct review_json **tail = &v->child;
	char close = object ? '}' : ']';

	rj_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;

		rj_space(r);
		if (object) {
			if (r->p >= r->end || *r->p != '"' || rj_string(r, &key) < 0)
				return rj_err(r, "member name expected");
			rj_space(r);
			if (r->p >= r->end || *r->p++ != ':') {
				free(key);
				return rj_err(r, "':' expected");
			}
		}
		*tail = rj_value(r, depth + 1);
		if (*tail == NULL) {
			free(key);
			return -1;
		}
		(*tail)->key = key;
		tail = &(*tail)->next;
		rj_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return rj_err(r, "',' expected");
	}
}

static struct review_json *rj_value(struct rj *r, unsigned depth)
{
	struct review_json *v = xcalloc(1, sizeof(*v));
	int ret = 0;

	rj_space(r);
	if (depth > REVIEW_JSON_MAX_DEPTH) {
		rj_fail(r, "nested too deeply");
		ret = -1;
	} else if (r->p >= r->end) {
		rj_fail(r, "value expected");
		ret = -1;
	} else if (*r->p == '{' || *r->p == '[') {
		v->type = *r->p == '{' ? REVIEW_JSON_OBJECT : REVIEW_JSON_ARRAY;
		r->p++;
		ret = rj_children(r, v, v->type == REVIEW_JSON_OBJECT, depth);
	} else if (*r->p == '"') {
		v->type = REVIEW_JSON_STRING;
		ret = rj_string(r, &v->str);
	} else if (rj_lit(r, "null")) {
		v->type = REVIEW_JSON_NULL;
	} else if (rj_lit(r, "true")) {
		v->type = REVIEW_JSON_BOOL;
		v->boolean = true;
	} else if (rj_lit(r, "false")) {
		v->type = REVIEW_JSON_BOOL;
	} else {
		v->type = REVIEW_JSON_NUMBER;
		ret = rj_number(r, &v->num);
	}
	if (ret < 0)
		review_json_free(&v);
	return v;
}

struct review_json *review_json_parse(const char *text, size_t len, const char **error_r)
{
	struct rj r = { text, text + len, text, NULL };
	struct review_json *v;

	if (len > REVIEW_JSON_MAX_BYTES) {
		*error_r = "JSON: text too large";
		return NULL;
	}
	v = rj_value(&r, 0);
	if (v != NULL) {
		rj_space(&r);
		if (r.p != r.end) {
			rj_fail(&r, "text after the value");
			review_json_free(&v);
		}
	}
	if (v == NULL)
		*error_r = r.error != NULL ? r.error : "JSON: unreadable";
	return v;
}

struct review_json *review_json_load(const char *path, const char **error_r)
{
	struct review_json *v;
	char *data = NULL;
	size_t len = 0;

	if (fsutil_read_file(path, REVIEW_JSON_MAX_BYTES, &data, &len, error_r) < 0)
		return NULL;
	v = review_json_parse(data, len, error_r);
	free(data);
	return v;
}

void review_json_free(struct review_json **j)
{
	struct review_json *v = *j;

	while (v != NULL) {
		struct review_json *next = v->next;

		review_json_free(&v->child);
		free(v->key);
		free(v->str);
		free(v);
		v = next;
	}
	*j = NULL;
}

const struct review_json *review_json_get(const struct review_json *obj, const char *key)
{
	if (obj == NULL || obj->type != REVIEW_JSON_OBJECT)
		return NULL;
	for (const struct review_json *m = obj->child; m != NULL; m = m->next) {
		if (strcmp(m->key, key) == 0)
			return m;
	}
	return NULL;
}

const char *review_json_str(const struct review_json *obj, const char *key)
{
	const struct review_json *m = review_json_get(obj, key);

	return m != NULL && m->type == REVIEW_JSON_STRING ? m->str : NULL;
}

double review_json_num(const struct review_json *obj, const char *key, double def)
{
	const struct review_json *m = review_json_get(obj, key);

	return m != NULL && m->type == REVIEW_JSON_NUMBER ? m->num : def;
}
