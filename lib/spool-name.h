#ifndef CASEMAIL_SPOOL_NAME_H
#define CASEMAIL_SPOOL_NAME_H
/* spool-name: turn paths and names from a mail into safe, unique paths
 * under a spool directory. Pure string work, no file system: the same
 * list of paths always gives the same result, so a refiled mail finds
 * its files where the first filing put them.
 *
 *   struct spool_names *n = spool_names_new();
 *   const char *rel = spool_names_add(n, "../包.zip/公司/照片.jpg");
 *   // "包.zip/公司/照片.jpg", owned by n
 *   spool_names_free(&n);
 */
#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

#define SPOOL_NAME_MAX 255             /* bytes per component */
#define SPOOL_NAME_MAX_PATH 1024       /* bytes per relative path */

/* Append s[0..len) as one safe file name component: control bytes, '/'
 * and '\\' become '_', "" / "." / ".." become "_", a leading '.' becomes
 * '_' when no_dot (names beside casemail's own dot files), and a name
 * longer than SPOOL_NAME_MAX bytes is cut on a UTF-8 boundary keeping an
 * extension of up to 16 bytes. */
void spool_name_component(const char *s, size_t len, bool no_dot, struct buf *out);

struct spool_names;

struct spool_names *spool_names_new(void);
void spool_names_free(struct spool_names **n);

/* Sanitise path ('/' and '\\' separate; empty, "." and ".." components
 * and leading separators dropped; each component as
 * spool_name_component()) and make it unique among the paths added so
 * far: a file whose name is taken (by a file or a folder) becomes
 * "name (2).ext", "name (3).ext", …; a folder whose name is taken by a
 * file becomes "name (2)", and every later path through that folder
 * goes to the same "name (2)". A path that sanitises to nothing becomes
 * "_"; one longer than SPOOL_NAME_MAX_PATH keeps only its last
 * component. Returns the relative path, owned by n, never NULL. */
const char *spool_names_add(struct spool_names *n, const char *path);

/* The relative path path was given by an earlier spool_names_add(), or
 * NULL. When the same path was added twice, the first one's. */
const char *spool_names_lookup(const struct spool_names *n, const char *path);

#endif
