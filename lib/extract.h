#ifndef CASEMAIL_EXTRACT_H
#define CASEMAIL_EXTRACT_H
/* extract: one mail → every file in it, on disk, with its facts.
 *
 * Attachments are decoded from the mail (one pass: bytes go to the work
 * file and SHA-256 together), archives are unpacked entry by entry and
 * attached mails (.eml) opened, nested up to max_depth containers, all
 * drawing on one unpack budget. Every file is probed in a sandboxed
 * child (probe.h). What goes wrong on the way (encrypted, damaged,
 * bomb, unsafe entries, too deep, damaged media) is recorded as a
 * problem carrying the SPEC defect code; nothing here is fatal to the
 * caller except an unreadable mail or a full disk.
 *
 * Files are written as <workdir>/<generated name>: names from the mail
 * never touch the file system. */
#include <stdbool.h>
#include <stdint.h>
#include "facts.h"
#include "message.h"
#include "sandbox.h"
#include "unpack.h"

struct probe;

#define EXTRACT_DEFAULT_MAX_DEPTH 3
#define EXTRACT_DEFAULT_MAX_FILES 20000
#define EXTRACT_DEFAULT_MAX_NAME_BYTES 255
#define EXTRACT_BODY_MAX (1024 * 1024)

struct extract_settings {          /* 0 = default */
	struct message_limits message;
	struct unpack_limits unpack;
	unsigned max_depth;            /* containers (archives, attached mails): 3 */
	size_t max_files;              /* files listed per mail: 20,000 */
	size_t max_name_bytes;         /* per path component: 255 */
	/* the worker process of extract_mail_isolated() (extract-worker.h);
	 * zero fields: its defaults. seccomp OFF turns Landlock off too. */
	struct sandbox_limits worker;
};

struct extract_file {
	char *path;                    /* "案例.zip/公司/照片1.jpg" (UTF-8, '/'-joined) */
	const char *name;              /* last component of path */
	char *stored;                  /* bytes on disk; NULL if not written */
	int parent;                    /* index of the container, -1 = attached to the mail */
	unsigned depth;                /* containers above this file */
	char section[48];              /* MIME section ("2", "1.3"); "" inside archives */
	char *mime_type;               /* declared Content-Type of a mail part, else NULL */
	uint64_t size;
	unsigned char sha256[32];
	struct facts facts;
	char *text;                    /* a Word document's text (doctext.h,
					* untrusted: from the probe child), or NULL */
	bool probed;
	/* containers */
	bool opened;                   /* its contents are listed after it */
	bool too_deep;                 /* a container not opened: nested too deep */
	bool is_archive;
	enum unpack_status archive_status;
	char *archive_detail;          /* libarchive's words when not ok */
	unsigned unsafe_entries;       /* entries refused (listed, never written) */
	/* archive entries */
	bool encrypted;
	char *unsafe;                  /* why the entry was refused */
};

struct extract_problem {
	const char *code;              /* SPEC defect code, static */
	char *file;                    /* path, or NULL for the mail */
	char *detail;                  /* English, for logs and inspect */
};

struct extract {
	struct message *msg;           /* the mail; stays open for headers/bodies */
	char *workdir;
	struct extract_file *files;
	size_t nfiles;
	struct extract_problem *problems;
	size_t nproblems;
	bool truncated;                /* max_files reached */
	struct unpack_budget budget;
	char *body;                    /* the mail's text (text/plain and text/html
					* body parts as UTF-8, '\n' after each),
					* from at most EXTRACT_BODY_MAX bytes of
					* decoded text (up to 3 × that as UTF-8:
					* U+FFFD for invalid bytes); never NULL */
};

/* Extract eml_path into workdir (must exist, should be empty).
 * Returns 0, or -1 with error_r when the mail can't be read or the work
 * directory can't be written. */
int extract_mail(const char *eml_path, const char *workdir,
		 const struct extract_settings *set, struct probe *probe,
		 struct extract **ex_r, const char **error_r);
void extract_free(struct extract **ex);
/* "ok", "encrypted", "damaged", "bomb", "unsafe" (ok but entries were
 * refused) or "too_deep" (not opened) for a container file; NULL else. */
const char *extract_archive_status(const struct extract_file *f);
/* Lowercase hex of a file's SHA-256 into out[65]. */
void extract_sha256_hex(const struct extract_file *f, char out[65]);

#endif
