/* unpack-testkit: shared helpers of unpack's unit tests (see unpack-testkit.h). */
#include "unpack-testkit.h"
#include "test.h"
#include "xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TESTKIT_CHUNK (1024 * 1024)

char *unpack_testkit_path(const char *name)
{
	return xasprintf("%s/%s", test_tmpdir(), name);
}

int unpack_testkit_sh(const char *cmd)
{
	char *full = xasprintf("cd %s && (%s) >/dev/null 2>&1", test_tmpdir(), cmd);
	int ret = system(full);

	free(full);
	return ret;
}

static void testkit_add(struct archive *a, const struct unpack_testkit_file *f)
{
	static const char zeros[TESTKIT_CHUNK];
	struct archive_entry *e = archive_entry_new();
	uint64_t size = f->size != 0 || f->data == NULL ? f->size : strlen(f->data);

	archive_entry_copy_pathname(e, f->name);
	archive_entry_set_filetype(e, f->type != 0 ? f->type : AE_IFREG);
	archive_entry_set_perm(e, 0644);
	if (f->link != NULL && f->type == AE_IFLNK)
		archive_entry_copy_symlink(e, f->link);
	else if (f->link != NULL)
		archive_entry_copy_hardlink(e, f->link);
	if (f->type == 0 && f->link == NULL)
		archive_entry_set_size(e, (la_int64_t)size);
	test_assert(archive_write_header(a, e) == ARCHIVE_OK);
	if (f->data != NULL) {
		archive_write_data(a, f->data, size);
		size = 0;
	}
	while (size > 0) {
		size_t n = size < TESTKIT_CHUNK ? (size_t)size : TESTKIT_CHUNK;

		archive_write_data(a, zeros, n);
		size -= n;
	}
	archive_entry_free(e);
}

char *unpack_testkit_archive(const char *file, const char *format, const char *filter,
			     const char *locale, const struct unpack_testkit_file *files)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, locale, (locale_t)0);
	locale_t old = uselocale(loc);
	struct archive *a = archive_write_new();
	char *path = unpack_testkit_path(file);

	test_assert(loc != (locale_t)0);
	test_assert(archive_write_set_format_by_name(a, format) == ARCHIVE_OK);
	if (filter != NULL)
		test_assert(archive_write_add_filter_by_name(a, filter) == ARCHIVE_OK);
	test_assert(archive_write_open_filename(a, path) == ARCHIVE_OK);
	for (const struct unpack_testkit_file *f = files; f->name != NULL; f++)
		testkit_add(a, f);
	test_assert(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
	uselocale(old);
	freelocale(loc);
	return path;
}

void unpack_testkit_write(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	test_assert(fp != NULL && fwrite(data, 1, len, fp) == len);
	if (fp != NULL)
		fclose(fp);
}

static int testkit_collect(void *ctx, const struct unpack_entry *e)
{
	struct unpack_testkit_run *r = ctx;

	if (r->n < UNPACK_TESTKIT_MAX_ENTRIES) {
		struct unpack_testkit_entry *t = &r->e[r->n];

		t->path = xstrdup(e->path);
		t->stored = e->stored_path != NULL ? xstrdup(e->stored_path) : NULL;
		t->unsafe = e->unsafe != NULL ? xstrdup(e->unsafe) : NULL;
		t->size = e->size;
		memcpy(t->sha256, e->sha256, sizeof(t->sha256));
		t->encrypted = e->encrypted;
		t->is_dir = e->is_dir;
	}
	r->n++;
	return 0;
}

void unpack_testkit_unpack(struct unpack_testkit_run *r, const char *archive,
			   const char *name, const struct unpack_limits *lim,
			   struct unpack_budget *budget)
{
	static int count;
	struct unpack_budget local = { 0 };
	const char *detail = NULL, *error = NULL;

	if (r->outdir == NULL) {
		char sub[32];

		snprintf(sub, sizeof(sub), "out%d", ++count);
		r->outdir = unpack_testkit_path(sub);
		test_assert(mkdir(r->outdir, 0700) == 0);
	}
	r->ret = unpack_archive(archive, name, r->outdir, lim,
				budget != NULL ? budget : &local, testkit_collect, r,
				&r->status, &detail, &error);
	if (r->ret < 0)
		printf("# unpack_archive(%s): %s\n", archive, error);
	snprintf(r->detail, sizeof(r->detail), "%s", detail != NULL ? detail : "");
}

int unpack_testkit_find(const struct unpack_testkit_run *r, const char *path)
{
	for (size_t i = 0; i < r->n && i < UNPACK_TESTKIT_MAX_ENTRIES; i++) {
		if (strcmp(r->e[i].path, path) == 0)
			return (int)i;
	}
	printf("# entry \"%s\" not reported\n", path);
	return -1;
}

int unpack_testkit_count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

void unpack_testkit_run_free(struct unpack_testkit_run *r)
{
	for (size_t i = 0; i < r->n && i < UNPACK_TESTKIT_MAX_ENTRIES; i++) {
		free(r->e[i].path);
		free(r->e[i].stored);
		free(r->e[i].unsafe);
	}
	free(r->outdir);
	memset(r, 0, sizeof(*r));
}
