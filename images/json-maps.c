// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The named maps of crit's pretty form: the flag sets a (criu).flags
 * annotation names, and the value names of (criu).dict fields.  These are
 * kernel and CRIU constants; which field uses which map comes from the
 * schema annotations (img-rules.c), not from here.
 */
#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "img-codec.h"

static const struct img_flag mmap_prot[] = {
	{ "PROT_READ", 0x1 }, { "PROT_WRITE", 0x2 }, { "PROT_EXEC", 0x4 },
};
static const struct img_flag mmap_flags[] = {
	{ "MAP_SHARED", 0x1 },	  { "MAP_PRIVATE", 0x2 },	{ "MAP_DROPPABLE", 0x08 },
	{ "MAP_ANON", 0x20 },	  { "MAP_GROWSDOWN", 0x0100 },
};
static const struct img_flag mmap_status[] = {
	{ "VMA_AREA_NONE", 0 },		  { "VMA_AREA_REGULAR", 1u << 0 },
	{ "VMA_AREA_STACK", 1u << 1 },	  { "VMA_AREA_VSYSCALL", 1u << 2 },
	{ "VMA_AREA_VDSO", 1u << 3 },	  { "VMA_AREA_HEAP", 1u << 5 },
	{ "VMA_FILE_PRIVATE", 1u << 6 },  { "VMA_FILE_SHARED", 1u << 7 },
	{ "VMA_ANON_SHARED", 1u << 8 },	  { "VMA_ANON_PRIVATE", 1u << 9 },
	{ "VMA_AREA_SYSVIPC", 1u << 10 }, { "VMA_AREA_SOCKET", 1u << 11 },
	{ "VMA_AREA_VVAR", 1u << 12 },	  { "VMA_AREA_AIORING", 1u << 13 },
	{ "VMA_AREA_MEMFD", 1u << 14 },	  { "VMA_AREA_SHSTK", 1u << 15 },
	{ "VMA_AREA_UPROBES", 1u << 17 }, { "VMA_UNSUPP", 1u << 31 },
};
static const struct img_flag rfile_flags[] = {
	{ "O_WRONLY", 00000001 },    { "O_RDWR", 00000002 },	 { "O_CREAT", 00000100 },
	{ "O_EXCL", 00000200 },	     { "O_NOCTTY", 00000400 },	 { "O_TRUNC", 00001000 },
	{ "O_APPEND", 00002000 },    { "O_NONBLOCK", 00004000 }, { "O_DSYNC", 00010000 },
	{ "FASYNC", 00020000 },	     { "O_DIRECT", 00040000 },	 { "O_LARGEFILE", 00100000 },
	{ "O_DIRECTORY", 00200000 }, { "O_NOFOLLOW", 00400000 }, { "O_NOATIME", 01000000 },
	{ "O_CLOEXEC", 02000000 },
};
static const struct img_flag pmap_flags[] = {
	{ "PE_PARENT", 1u << 0 }, { "PE_LAZY", 1u << 1 }, { "PE_PRESENT", 1u << 2 },
};
static const struct img_flag seals_flags[] = {
	{ "F_SEAL_SEAL", 0x0001 },  { "F_SEAL_SHRINK", 0x0002 },	{ "F_SEAL_GROW", 0x0004 },
	{ "F_SEAL_WRITE", 0x0008 }, { "F_SEAL_FUTURE_WRITE", 0x0010 },
};

static const struct {
	const char *name;
	const struct img_flag *map;
	size_t n;
} flag_maps[] = {
	{ "mmap.prot", mmap_prot, ARRAY_SIZE(mmap_prot) },
	{ "mmap.flags", mmap_flags, ARRAY_SIZE(mmap_flags) },
	{ "mmap.status", mmap_status, ARRAY_SIZE(mmap_status) },
	{ "rfile.flags", rfile_flags, ARRAY_SIZE(rfile_flags) },
	{ "pmap.flags", pmap_flags, ARRAY_SIZE(pmap_flags) },
	{ "seals.flags", seals_flags, ARRAY_SIZE(seals_flags) },
};

const struct img_flag *img_flag_map(const char *name, size_t *ret_n)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_maps); i++)
		if (strcmp(flag_maps[i].name, name) == 0) {
			*ret_n = flag_maps[i].n;
			return flag_maps[i].map;
		}
	return NULL;
}

struct dict_val {
	const char *dict, *field;
	int64_t value;
	const char *name;
};

static const struct dict_val dict_vals[] = {
	{ "gen", "task_state", 1, "Alive" },
	{ "gen", "task_state", 3, "Zombie" },
	{ "gen", "task_state", 6, "Stopped" },
	{ "sk", "family", 1, "UNIX" },
	{ "sk", "family", 2, "INET" },
	{ "sk", "family", 10, "INET6" },
	{ "sk", "family", 16, "NETLINK" },
	{ "sk", "family", 17, "PACKET" },
	{ "sk", "type", 1, "STREAM" },
	{ "sk", "type", 2, "DGRAM" },
	{ "sk", "type", 3, "RAW" },
	{ "sk", "type", 5, "SEQPACKET" },
	{ "sk", "type", 10, "PACKET" },
	{ "sk", "state", 1, "ESTABLISHED" },
	{ "sk", "state", 2, "SYN_SENT" },
	{ "sk", "state", 3, "SYN_RECV" },
	{ "sk", "state", 4, "FIN_WAIT1" },
	{ "sk", "state", 5, "FIN_WAIT2" },
	{ "sk", "state", 6, "TIME_WAIT" },
	{ "sk", "state", 7, "CLOSE" },
	{ "sk", "state", 8, "CLOSE_WAIT" },
	{ "sk", "state", 9, "LAST_ACK" },
	{ "sk", "state", 10, "LISTEN" },
	{ "sk", "proto", 0, "IP" },
	{ "sk", "proto", 6, "TCP" },
	{ "sk", "proto", 17, "UDP" },
	{ "sk", "proto", 136, "UDPLITE" },
};

const char *img_dict_name(const char *dict, const char *field, int64_t value)
{
	for (size_t i = 0; i < ARRAY_SIZE(dict_vals); i++)
		if (dict_vals[i].value == value && !strcmp(dict_vals[i].dict, dict) &&
		    !strcmp(dict_vals[i].field, field))
			return dict_vals[i].name;
	return NULL;
}

int img_dict_value(const char *dict, const char *field, const char *name, int64_t *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(dict_vals); i++)
		if (!strcmp(dict_vals[i].name, name) && !strcmp(dict_vals[i].dict, dict) &&
		    !strcmp(dict_vals[i].field, field)) {
			*ret = dict_vals[i].value;
			return 0;
		}
	return -ENOENT;
}
