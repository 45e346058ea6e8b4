/* imap-msg: the commands on messages — search, streamed fetch, flag,
 * move. All by UID: sequence numbers shift under other clients' expunges.
 *
 * The FETCH body goes through libetpan's message body handler: the
 * parser hands each piece of the literal to body_write() as it comes off
 * the network, so the message never sits in memory (libetpan otherwise
 * builds the whole literal in an MMAPString). The same piece is hashed
 * there once it is written, so the caller gets the SHA-256 of the file
 * without reading it again. Into a regular file, writeback is started
 * every WRITEBACK_STEP bytes (sync_file_range): the disk works while the
 * rest streams in, and the caller's fsync() waits for the tail only. */
#include "imap-private.h"
#include "fsutil.h"
#include "xalloc.h"

#include <nettle/sha2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WRITEBACK_STEP (1u << 20)

/* An atom that is also a valid flag keyword (RFC 3501 flag-keyword). */
static bool keyword_valid(const char *kw)
{
	if (kw == NULL || *kw == '\0' || strlen(kw) > 200)
		return false;
	for (const char *p = kw; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

static int check_keyword(struct imap *im, const char *kw, const char **error_r)
{
	if (keyword_valid(kw))
		return 0;
	*error_r = imap_set_error(im, "invalid IMAP keyword \"%.100s\"", kw != NULL ? kw : "");
	return -1;
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int imap_search_new(struct imap *im, uint32_t after_uid, const char *keyword,
		    uint32_t **uids_r, size_t *n_r, const char **error_r)
{
	struct mailimap_search_key *key;
	clist *result = NULL;
	uint32_t *uids = NULL;
	size_t n = 0;
	int r;

	*uids_r = NULL;
	*n_r = 0;
	if (imap_check(im, error_r) < 0)
		return -1;
	if (keyword != NULL && check_keyword(im, keyword, error_r) < 0)
		return -1;
	if (after_uid == UINT32_MAX)
		return 0;
	/* UID n:* also matches the highest UID when it is below n: filtered */
	key = mailimap_search_key_new_multiple_empty();
	mailimap_search_key_multiple_add(
		key, mailimap_search_key_new_uid(mailimap_set_new_interval(after_uid + 1, 0)));
	if (keyword != NULL)
		mailimap_search_key_multiple_add(
			key, mailimap_search_key_new_not(
				     mailimap_search_key_new_keyword(xstrdup(keyword))));
	im->new_mail = false;   /* the search covers what arrived so far */
	r = mailimap_uid_search(im->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	imap_note_new_mail(im);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID SEARCH", error_r);
	if (clist_count(result) > 0)
		uids = xreallocarray(NULL, (size_t)clist_count(result), sizeof(*uids));
	for (clistiter *it = clist_begin(result); it != NULL; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);

		if (uid > after_uid)
			uids[n++] = uid;
	}
	mailimap_search_result_free(result);
	if (n > 1) {   /* sort, drop duplicates (qsort wants a non-NULL array) */
		qsort(uids, n, sizeof(*uids), uid_cmp);
		size_t j = 1;

		for (size_t i = 1; i < n; i++)
			if (uids[i] != uids[j - 1])
				uids[j++] = uids[i];
		n = j;
	}
	if (n == 0) {
		free(uids);
		uids = NULL;
	}
	*uids_r = uids;
	*n_r = n;
	return 0;
}

struct fetch_sink {
	int fd;
	uint64_t written;
	int write_errno;   /* nonzero: writing to fd failed */
	bool hash;         /* the caller wants the digest */
	struct sha256_ctx sha;   /* over exactly the bytes written */
	bool writeback;    /* fd is a regular file: start its writeback */
	off_t base;        /* fd's offset before the message */
	uint64_t flushed;  /* writeback started for the bytes before this */
};

/* Only a hint: a failure changes nothing (the caller's fsync reports). */
static void body_writeback(struct fetch_sink *sink)
{
	if (!sink->writeback || sink->written - sink->flushed < WRITEBACK_STEP)
		return;
	(void)sync_file_range(sink->fd, sink->base + (off_t)sink->flushed,
			      (off_t)(sink->written - sink->flushed), SYNC_FILE_RANGE_WRITE);
	sink->flushed = sink->written;
}

static bool body_write(int att_type, struct mailimap_msg_att_body_section *section,
		       const char *bytes, size_t len, void *context)
{
	struct fetch_sink *sink = context;

	if (att_type != MAILIMAP_MSG_ATT_BODY_SECTION && att_type != MAILIMAP_MSG_ATT_RFC822)
		return true;
	if (fsutil_write_all(sink->fd, bytes, len) < 0) {
		sink->write_errno = errno != 0 ? errno : EIO;
		return false;   /* libetpan stops the parse (as "out of memory") */
	}
	sink->written += len;
	if (sink->hash)
		sha256_update(&sink->sha, len, (const uint8_t *)bytes);
	body_writeback(sink);
	return true;
}

static int64_t date_time_to_unix(const struct mailimap_date_time *dt)
{
	struct tm tm = {
		.tm_year = dt->dt_year - 1900, .tm_mon = dt->dt_month - 1,
		.tm_mday = dt->dt_day, .tm_hour = dt->dt_hour,
		.tm_min = dt->dt_min, .tm_sec = dt->dt_sec,
	};
	int zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;   /* +0800 is 800 */
	int64_t offset = (int64_t)(zone / 100) * 3600 + (zone % 100) * 60;

	return (int64_t)timegm(&tm) - (dt->dt_zone < 0 ? -offset : offset);
}

/* Look through the FETCH responses for the one of uid. */
static bool fetch_result(clist *list, uint32_t uid, int64_t *date_r, bool *has_date_r,
			 bool *has_body_r)
{
	for (clistiter *it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);
		uint32_t this_uid = 0;
		bool date = false, body = false;
		int64_t t = 0;

		for (clistiter *ai = clist_begin(att->att_list); ai != NULL; ai = clist_next(ai)) {
			struct mailimap_msg_att_item *item = clist_content(ai);
			struct mailimap_msg_att_static *st;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				this_uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE &&
				 st->att_data.att_internal_date != NULL) {
				t = date_time_to_unix(st->att_data.att_internal_date);
				date = true;
			} else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION ||
				   st->att_type == MAILIMAP_MSG_ATT_RFC822)
				body = true;
		}
		if (this_uid == uid && body) {
			*date_r = t;
			*has_date_r = date;
			*has_body_r = body;
			return true;
		}
	}
	return false;
}

int imap_fetch_to_fd(struct imap *im, uint32_t uid, int fd, int64_t *internaldate_r,
		     uint64_t *size_r, uint8_t sha256_r[IMAP_SHA256_SIZE], const char **error_r)
{
	struct fetch_sink sink = { .fd = fd, .hash = sha256_r != NULL };
	struct mailimap_fetch_type *type;
	struct mailimap_set *set;
	clist *list = NULL;
	bool has_date = false, has_body = false;
	int64_t date = 0;
	struct stat st;
	int r, ret = -1;

	*internaldate_r = 0;
	*size_r = 0;
	if (sha256_r != NULL) {
		memset(sha256_r, 0, IMAP_SHA256_SIZE);
		sha256_init(&sink.sha);
	}
	if (imap_check(im, error_r) < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		sink.base = lseek(fd, 0, SEEK_CUR);
		sink.writeback = sink.base >= 0;
	}
	type = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(
		type, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	set = mailimap_set_new_single(uid);

	mailimap_set_msg_body_handler(im->imap, body_write, &sink);
	r = mailimap_uid_fetch(im->imap, set, type, &list);
	mailimap_set_msg_body_handler(im->imap, NULL, NULL);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	imap_note_new_mail(im);

	if (sink.write_errno != 0) {
		/* the response was left half-read: the session is done for */
		im->broken = true;
		snprintf(im->broken_reason, sizeof(im->broken_reason),
			 "UID FETCH %u: writing the message failed: %s", uid,
			 strerror(sink.write_errno));
		*error_r = imap_set_error(im, "%s", im->broken_reason);
		goto out;
	}
	if (r != MAILIMAP_NO_ERROR) {
		char what[64];

		snprintf(what, sizeof(what), "UID FETCH %u", uid);
		imap_fail(im, r, what, error_r);
		goto out;
	}
	if (!fetch_result(list, uid, &date, &has_date, &has_body)) {
		*error_r = imap_set_error(im, "UID FETCH %u: message not found (expunged?)", uid);
		goto out;
	}
	if (!has_date) {
		*error_r = imap_set_error(im, "UID FETCH %u: the server sent no INTERNALDATE", uid);
		goto out;
	}
	*internaldate_r = date;
	*size_r = sink.written;
	if (sha256_r != NULL)
		sha256_digest(&sink.sha, IMAP_SHA256_SIZE, sha256_r);
	ret = 0;
out:
	if (list != NULL)
		mailimap_fetch_list_free(list);
	return ret;
}

/* May flags of this kind be stored for good in the selected folder? */
static int check_storable(struct imap *im, const char *keyword, const char **error_r)
{
	const struct mailimap_selection_info *sel = im->imap->imap_selection_info;

	if (sel == NULL)
		return 0;
	if (sel->sel_perm == MAILIMAP_MAILBOX_READONLY) {
		*error_r = imap_set_error(im, "folder \"%.256s\" is read-only", im->folder);
		return -1;
	}
	if (keyword == NULL || sel->sel_perm_flags == NULL)
		return 0;   /* no PERMANENTFLAGS: all flags are permanent */
	for (clistiter *it = clist_begin(sel->sel_perm_flags); it != NULL; it = clist_next(it)) {
		const struct mailimap_flag_perm *fp = clist_content(it);

		if (fp->fl_type == MAILIMAP_FLAG_PERM_ALL)
			return 0;
		if (fp->fl_type == MAILIMAP_FLAG_PERM_FLAG && fp->fl_flag != NULL &&
		    fp->fl_flag->fl_type == MAILIMAP_FLAG_KEYWORD &&
		    strcasecmp(fp->fl_flag->fl_data.fl_keyword, keyword) == 0)
			return 0;
	}
	*error_r = imap_set_error(im, "folder \"%.256s\" does not keep the keyword %s "
				      "(PERMANENTFLAGS)", im->folder, keyword);
	return -1;
}

/* UID STORE uid +FLAGS.SILENT (flags); the flags list is consumed. */
static int store_flags(struct imap *im, uint32_t uid, struct mailimap_flag_list *flags,
		       const char **error_r)
{
	struct mailimap_store_att_flags *att = mailimap_store_att_flags_new_add_flags_silent(flags);
	struct mailimap_set *set = mailimap_set_new_single(uid);
	char what[64];
	int r;

	r = mailimap_uid_store(im->imap, set, att);
	mailimap_store_att_flags_free(att);
	mailimap_set_free(set);
	imap_note_new_mail(im);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	snprintf(what, sizeof(what), "UID STORE %u", uid);
	return imap_fail(im, r, what, error_r);
}

int imap_mark(struct imap *im, uint32_t uid, const char *keyword, bool seen,
	      const char **error_r)
{
	struct mailimap_flag_list *flags;

	if (imap_check(im, error_r) < 0)
		return -1;
	if (keyword == NULL && !seen)
		return 0;
	if (keyword != NULL && check_keyword(im, keyword, error_r) < 0)
		return -1;
	if (check_storable(im, keyword, error_r) < 0)
		return -1;
	flags = mailimap_flag_list_new_empty();
	if (keyword != NULL)
		mailimap_flag_list_add(flags, mailimap_flag_new_flag_keyword(xstrdup(keyword)));
	if (seen)
		mailimap_flag_list_add(flags, mailimap_flag_new_seen());
	return store_flags(im, uid, flags, error_r);
}

/* UID MOVE, or UID COPY; 0, or -1 with trycreate telling why. */
static int move_or_copy(struct imap *im, uint32_t uid, const char *folder, bool *trycreate_r,
			const char **error_r)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	bool move = imap_has_move(im);
	char what[320];
	int r;

	r = move ? mailimap_uid_move(im->imap, set, folder) : mailimap_uid_copy(im->imap, set, folder);
	mailimap_set_free(set);
	imap_note_new_mail(im);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	*trycreate_r = im->imap->imap_response_info != NULL &&
		       im->imap->imap_response_info->rsp_trycreate;
	snprintf(what, sizeof(what), "UID %s %u \"%.256s\"", move ? "MOVE" : "COPY", uid, folder);
	return imap_fail(im, r, what, error_r);
}

int imap_move(struct imap *im, uint32_t uid, const char *folder, const char **error_r)
{
	struct mailimap_set *set;
	struct mailimap_flag_list *flags;
	bool trycreate = false;
	int r;

	if (imap_check(im, error_r) < 0)
		return -1;
	if (move_or_copy(im, uid, folder, &trycreate, error_r) < 0) {
		if (!trycreate || im->broken)
			return -1;
		r = mailimap_create(im->imap, folder);
		if (r != MAILIMAP_NO_ERROR) {
			char what[300];

			snprintf(what, sizeof(what), "CREATE \"%.256s\"", folder);
			return imap_fail(im, r, what, error_r);
		}
		if (move_or_copy(im, uid, folder, &trycreate, error_r) < 0)
			return -1;
	}
	if (imap_has_move(im))
		return 0;
	flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
	if (store_flags(im, uid, flags, error_r) < 0)
		return -1;
	if (!mailimap_has_uidplus(im->imap))
		return 0;   /* left \Deleted: a plain EXPUNGE is not ours to send */
	set = mailimap_set_new_single(uid);
	r = mailimap_uid_expunge(im->imap, set);
	mailimap_set_free(set);
	imap_note_new_mail(im);
	if (r != MAILIMAP_NO_ERROR) {
		char what[64];

		snprintf(what, sizeof(what), "UID EXPUNGE %u", uid);
		return imap_fail(im, r, what, error_r);
	}
	return 0;
}
