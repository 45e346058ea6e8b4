/* spool-name: safe and unique spool paths for names from mail (see
 * spool-name.h).
 *
 * Uniqueness is decided here, in memory, not by probing the file system
 * (O_EXCL, EEXIST): that keeps the mapping a pure function of the path
 * list, which a refiled mail and the accepted tree rely on. The table is
 * one open-addressing hash of tagged keys:
 *   'F' + rel   a file at rel         'D' + rel   a folder at rel
 *   'A' + req   the folder asked for as req lives at value
 *   'O' + path  the mail's path went to value
 *   'N' + req   the last " (k)" suffix tried for req: a thousand files of
 *               one name cost a thousand probes, not half a million */
#include "spool-name.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPOOL_NAME_EXT_MAX 16

struct spool_names_slot {
	char *key;                     /* tag byte + text; NULL: empty slot */
	char *value;                   /* 'A' and 'O' keys */
};

struct spool_names {
	struct spool_names_slot *slots;
	size_t cap, used;              /* cap is a power of two */
};

static uint64_t spool_names_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct spool_names_slot *spool_names_find(const struct spool_names *n,
						 const char *key)
{
	size_t i = (size_t)spool_names_hash(key) & (n->cap - 1);

	while (n->slots[i].key != NULL && strcmp(n->slots[i].key, key) != 0)
		i = (i + 1) & (n->cap - 1);
	return &n->slots[i];
}

static void spool_names_grow(struct spool_names *n)
{
	struct spool_names old = *n;

	n->cap = old.cap * 2;
	n->slots = xcalloc(n->cap, sizeof(*n->slots));
	for (size_t i = 0; i < old.cap; i++) {
		if (old.slots[i].key != NULL)
			*spool_names_find(n, old.slots[i].key) = old.slots[i];
	}
	free(old.slots);
}

static const char *spool_names_get(const struct spool_names *n, char tag,
				   const char *text, bool *found_r)
{
	char *key = xasprintf("%c%s", tag, text);
	struct spool_names_slot *s = spool_names_find(n, key);

	free(key);
	if (found_r != NULL)
		*found_r = s->key != NULL;
	return s->key != NULL ? s->value : NULL;
}

static void spool_names_put(struct spool_names *n, char tag, const char *text,
			    const char *value)
{
	char *key = xasprintf("%c%s", tag, text);
	struct spool_names_slot *s;

	if ((n->used + 1) * 2 > n->cap)
		spool_names_grow(n);
	s = spool_names_find(n, key);
	if (s->key != NULL) {
		free(key);
		return;
	}
	s->key = key;
	s->value = value != NULL ? xstrdup(value) : NULL;
	n->used++;
}

/* Like spool_names_put(), but replaces the value of an existing key. */
static void spool_names_set(struct spool_names *n, char tag, const char *text,
			    const char *value)
{
	char *key = xasprintf("%c%s", tag, text);
	struct spool_names_slot *s = spool_names_find(n, key);

	free(key);
	if (s->key == NULL) {
		spool_names_put(n, tag, text, value);
		return;
	}
	free(s->value);
	s->value = xstrdup(value);
}

static bool spool_names_taken(const struct spool_names *n, const char *rel)
{
	bool f, d;

	(void)spool_names_get(n, 'F', rel, &f);
	(void)spool_names_get(n, 'D', rel, &d);
	return f || d;
}

struct spool_names *spool_names_new(void)
{
	struct spool_names *n = xcalloc(1, sizeof(*n));

	n->cap = 64;
	n->slots = xcalloc(n->cap, sizeof(*n->slots));
	return n;
}

void spool_names_free(struct spool_names **np)
{
	struct spool_names *n = *np;

	if (n == NULL)
		return;
	*np = NULL;
	for (size_t i = 0; i < n->cap; i++) {
		free(n->slots[i].key);
		free(n->slots[i].value);
	}
	free(n->slots);
	free(n);
}

/* Length of s cut to at most max bytes, on a UTF-8 character boundary. */
static size_t spool_name_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Offset of the extension ('.' and what follows) worth keeping, or len. */
static size_t spool_name_ext(const char *s, size_t len)
{
	const char *dot = memrchr(s, '.', len);

	if (dot == NULL || dot == s || (size_t)(s + len - dot) > SPOOL_NAME_EXT_MAX)
		return len;
	return (size_t)(dot - s);
}

/* Append stem + suffix + ext so that the whole fits SPOOL_NAME_MAX. */
static void spool_name_put_fit(struct buf *out, const char *name, size_t len,
			       const char *suffix)
{
	size_t ext = spool_name_ext(name, len), slen = strlen(suffix);
	size_t stem = spool_name_cut(name, ext, SPOOL_NAME_MAX - slen - (len - ext));

	buf_append(out, name, stem);
	buf_puts(out, suffix);
	buf_append(out, name + ext, len - ext);
}

void spool_name_component(const char *s, size_t len, bool no_dot, struct buf *out)
{
	struct buf tmp = BUF_INIT;

	if (len == 0 || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.')) {
		buf_putc(out, '_');
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' ||
		    (i == 0 && c == '.' && no_dot))
			c = '_';
		buf_putc(&tmp, (char)c);
	}
	spool_name_put_fit(out, tmp.data, tmp.len, "");
	buf_free(&tmp);
}

/* The unique name for comp under parent: comp, "comp (2)", … with the
 * suffix before the extension for files. Appends "parent/name" to out. */
static void spool_names_unique(struct spool_names *n, const char *parent,
			       const char *comp, bool is_file, struct buf *out)
{
	char *req = xasprintf("%s%s%s", parent, *parent != '\0' ? "/" : "", comp);
	const char *last = spool_names_get(n, 'N', req, NULL);
	size_t start = out->len;
	char num[16];

	for (unsigned k = last != NULL ? (unsigned)strtoul(last, NULL, 10) + 1 : 1; ; k++) {
		char suffix[16] = "";

		buf_truncate(out, start);
		if (*parent != '\0') {
			buf_puts(out, parent);
			buf_putc(out, '/');
		}
		if (k > 1)
			snprintf(suffix, sizeof(suffix), " (%u)", k);
		if (is_file)
			spool_name_put_fit(out, comp, strlen(comp), suffix);
		else {
			buf_append(out, comp, spool_name_cut(comp, strlen(comp),
							     SPOOL_NAME_MAX - strlen(suffix)));
			buf_puts(out, suffix);
		}
		if (!spool_names_taken(n, buf_cstr(out) + start)) {
			snprintf(num, sizeof(num), "%u", k);
			spool_names_set(n, 'N', req, num);
			free(req);
			return;
		}
	}
}

/* Split and sanitise path into '\0'-terminated components in comps. */
static size_t spool_names_split(const char *path, struct buf *comps)
{
	size_t count = 0, total = 0, i = 0, len = strlen(path);

	while (i < len) {
		size_t k = strcspn(path + i, "/\\");
		bool skip = k == 0 || (k == 1 && path[i] == '.') ||
			(k == 2 && path[i] == '.' && path[i + 1] == '.');

		if (!skip) {
			size_t before = comps->len;

			spool_name_component(path + i, k, false, comps);
			total += comps->len - before + 1;
			buf_putc(comps, '\0');
			count++;
		}
		i += k + 1;
	}
	if (count == 0) {
		buf_append(comps, "_", 2);
		return 1;
	}
	if (total > SPOOL_NAME_MAX_PATH) {
		/* keep the file name only */
		const char *last = comps->data;

		for (size_t c = 1; c < count; c++)
			last += strlen(last) + 1;
		memmove(comps->data, last, strlen(last) + 1);
		buf_truncate(comps, strlen(comps->data) + 1);
		count = 1;
	}
	return count;
}

const char *spool_names_add(struct spool_names *n, const char *path)
{
	struct buf comps = BUF_INIT, rel = BUF_INIT, req = BUF_INIT;
	size_t count = spool_names_split(path, &comps);
	const char *comp = comps.data, *ret;

	for (size_t c = 0; c < count; c++, comp += strlen(comp) + 1) {
		char *parent = buf_steal(&rel);
		bool last = c + 1 == count;

		buf_truncate(&req, 0);
		buf_printf(&req, "%s%s%s", parent, *parent != '\0' ? "/" : "", comp);
		const char *dir = last ? NULL : spool_names_get(n, 'A', buf_cstr(&req), NULL);
		if (dir != NULL) {
			buf_puts(&rel, dir);
		} else {
			spool_names_unique(n, parent, comp, last, &rel);
			spool_names_put(n, last ? 'F' : 'D', buf_cstr(&rel), NULL);
			if (!last)
				spool_names_put(n, 'A', buf_cstr(&req), buf_cstr(&rel));
		}
		free(parent);
	}
	spool_names_put(n, 'O', path, buf_cstr(&rel));
	/* the 'F' key holds the text the caller gets: tag byte + rel */
	buf_truncate(&req, 0);
	buf_printf(&req, "F%s", buf_cstr(&rel));
	ret = spool_names_find(n, buf_cstr(&req))->key + 1;
	buf_free(&comps);
	buf_free(&rel);
	buf_free(&req);
	return ret;
}

const char *spool_names_lookup(const struct spool_names *n, const char *path)
{
	return spool_names_get(n, 'O', path, NULL);
}
