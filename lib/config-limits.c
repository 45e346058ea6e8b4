/* config-limits: casemail.conf's [limits] as the settings structs of the
 * modules that enforce them (extract with message and unpack, probe with
 * its sandbox). config.c parses and bounds the values; here they only
 * change type, which the bounds make lossless. */
#include "config.h"
#include "extract.h"
#include "probe.h"

#include <stdint.h>
#include <string.h>

static size_t config_size(uint64_t v)
{
	return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

void config_limits_extract(const struct config_limits *lim, struct extract_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->message.max_size = config_size(lim->message_max_size);
	set->message.max_parts = config_size(lim->message_max_parts);
	set->message.max_depth = (unsigned)lim->message_max_depth;
	set->message.max_multiparts = config_size(lim->message_max_multiparts);
	set->message.max_header_bytes = config_size(lim->message_max_header_bytes);
	set->message.max_header_fields = config_size(lim->message_max_header_fields);
	set->unpack.max_total_bytes = lim->unpack_max_total_bytes;
	set->unpack.max_entries = lim->unpack_max_entries;
	set->unpack.ratio_min_bytes = lim->unpack_ratio_min_bytes;
	set->unpack.max_ratio = (unsigned)lim->unpack_max_ratio;
	set->unpack.max_name_bytes = config_size(lim->unpack_max_name_bytes);
	set->max_depth = (unsigned)lim->extract_max_depth;
	set->max_files = config_size(lim->extract_max_files);
	set->max_name_bytes = config_size(lim->extract_max_name_bytes);
	set->worker.cpu_seconds = (unsigned)lim->worker_cpu_seconds;
	set->worker.address_space = lim->worker_address_space;
	set->worker.timeout_ms = (unsigned)lim->worker_timeout_ms;
	/* one switch for both filters (and the worker's Landlock) */
	set->worker.seccomp = lim->probe_seccomp ? SANDBOX_SECCOMP_WORKER : SANDBOX_SECCOMP_OFF;
}

void config_limits_probe(const struct config_limits *lim, struct probe_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->limits.cpu_seconds = (unsigned)lim->probe_cpu_seconds;
	set->limits.address_space = lim->probe_address_space;
	set->limits.file_size = lim->probe_file_size;
	set->limits.open_files = (unsigned)lim->probe_open_files;
	set->limits.timeout_ms = (unsigned)lim->probe_timeout_ms;
	set->limits.seccomp = lim->probe_seccomp ? SANDBOX_SECCOMP_STRICT : SANDBOX_SECCOMP_OFF;
	set->max_jpeg_bytes = lim->probe_max_jpeg_bytes;
	set->max_image_side = (unsigned)lim->probe_max_image_side;
	set->max_image_pixels = lim->probe_max_image_pixels;
	set->video_probesize = (int64_t)lim->probe_video_probesize;
	set->video_analyzeduration = (int64_t)lim->probe_video_analyzeduration;
	set->jpeg_decode = lim->probe_jpeg_decode;
}
