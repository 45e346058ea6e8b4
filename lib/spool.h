#ifndef CASEMAIL_SPOOL_H
#define CASEMAIL_SPOOL_H
/* spool: file a checked mail durably and atomically.
 *
 * Layout under the spool root:
 *
 *   <campaign>/mail/<receipt>/            one per mail, any verdict
 *       message.eml                       the original bytes
 *       files/<path>                      the extracted files, under their
 *                                         sanitised paths (spool-name.h)
 *       manifest.json                     the check JSON
 *       report.txt                        the report sent
 *       filed.json                        written last: the complete
 *                                         marker, and the map from each
 *                                         path in the mail to its file
 *   <campaign>/accepted/<company>/<case>  → .versions/<case>/<receipt>
 *                                         a relative symlink to the latest
 *                                         version of an accepted case
 *   <campaign>/accepted/<company>/.versions/<case>/<receipt>/
 *                                         every version ever accepted: the
 *                                         case's files, flat, by base name
 *   <campaign>/tmp/                       work area: <receipt>.XXXXXX
 *                                         being built, removed at start-up
 *
 * A mail directory is built in tmp/, every file and directory fsynced,
 * then renamed into mail/ and mail/ fsynced: mail/<receipt> either does
 * not exist or is complete and durable. Filing a receipt that is already
 * complete (the same mail again after a crash) changes nothing and
 * succeeds. Accepted cases are laid out after the mail directory is
 * durable: each version directory is built the same way, then the case
 * symlink is replaced with rename(2) (atomic), pointing at the greatest
 * receipt on file, so refiling an older receipt never hides a newer one.
 *
 * Files are hard-linked when the source is on the spool's file system
 * (work files are written once, so sharing the inode is safe), else
 * copied with copy_file_range(2). New directories are 0750 and files
 * 0640, set with chmod whatever the umask, so that a reviewers' group can
 * read them.
 *
 * Names from the mail reach the file system only here, and only
 * sanitised: no "..", no absolute paths, no control characters, "\\" is
 * a separator, each component at most 255 bytes, collisions get " (2)".
 * Company and case names become one component each and never start
 * with "." (".versions" and ".tmp-" are ours). */
#include <stdbool.h>
#include <stddef.h>

struct extract;
struct rules_result;

struct spool_file {
	const char *path;              /* in the mail: "包.zip/公司/照片1.jpg" */
	const char *stored;            /* its bytes on disk; NULL: skipped */
};

struct spool_case {
	const char *company;           /* "" when unknown (shown as "_") */
	const char *name;
	const char *const *files;      /* paths in the mail, as in spool_file.path */
	size_t nfiles;
};

struct spool_entry {
	const char *root;              /* spool root, must exist */
	const char *campaign;          /* campaign id: [A-Za-z0-9._-], no leading '.' */
	const char *receipt;           /* "HFW2026-000045": the same rule */
	const char *eml_path;          /* the raw mail */
	const struct spool_file *files;
	size_t nfiles;
	const char *manifest;          /* JSON text; NULL writes nothing */
	const char *report;            /* report text; NULL writes nothing */
	const struct spool_case *cases; /* accepted mails only; else 0 */
	size_t ncases;
	/* tests only: _exit(99) after copying this many files (0 = never),
	 * to leave a half-built filing behind as a crash would */
	unsigned test_crash_after;
};

/* File e. Returns 0 and *dir_r (malloc'd "<root>/<campaign>/mail/<receipt>",
 * dir_r may be NULL) once the mail directory and the accepted cases are
 * durable, -1 with *error_r otherwise (then nothing of this call is left
 * in mail/ and a later call may retry; a case link may already be done).
 * Fails when mail/<receipt> exists without its marker (not ours).
 * A refile must pass the same files in the same order (re-extracting the
 * same mail does): file names are derived from that list, and the
 * accepted cases are linked from the files the first filing wrote. */
int spool_file_mail(const struct spool_entry *e, char **dir_r, const char **error_r);

/* Replace manifest.json and report.txt of the complete filing
 * <root>/<campaign>/mail/<receipt> (casemailctl reprocess). The current
 * ones are kept as manifest.json.N / report.txt.N (N = 1, 2, … the first
 * free number, the same N for both); each new file is written beside,
 * fsynced and renamed over the old name, then the directory fsynced.
 * *version_r gets N. 0, or -1 with *error_r. */
int spool_replace_reports(const char *root, const char *campaign, const char *receipt,
			  const char *manifest, const char *report, unsigned *version_r,
			  const char **error_r);

/* Remove what interrupted filings left: <root>/<campaign>/tmp/ contents
 * and stray accepted/<company>/.tmp-* links. Call at start-up, when no
 * filing runs. Returns 0, or -1 with *error_r (what it could remove is
 * removed). */
int spool_cleanup_tmp(const char *root, const char **error_r);

/* Helpers for the daemon: the entry's arrays from an extraction and a
 * rules result. Return malloc'd arrays whose strings are borrowed from
 * ex / r (free the array only, with free()); *n_r gets the length.
 * Files never written get stored == NULL, and so do containers that were
 * opened (their contents are filed; their bytes are in message.eml); an
 * archive that could not be opened is filed as a file. */
struct spool_file *spool_files_from_extract(const struct extract *ex, size_t *n_r);
struct spool_case *spool_cases_from_rules(const struct rules_result *r, size_t *n_r);

#endif
