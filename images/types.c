// SPDX-License-Identifier: LGPL-2.1-or-later
/* The image type table, expanded from image-types.def, and its lookups. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "crimg.h"
#include "xalloc.h"

#define HEAD_NONE IMG_HEAD_NONE
#define HEAD_COMMON IMG_HEAD_COMMON_K
#define HEAD_SERVICE IMG_HEAD_SERVICE_K

static const struct img_desc descs[_IMG_TYPE_MAX] = {
#define IMG(id, nm, pat, mg, hd, m, ex)                                                    \
	[IMG_##id] = { .type = IMG_##id, .name = nm, .pattern = pat, .magic = mg,          \
		       .head = HEAD_##hd, .msg = &m##__descriptor, .extra = IMG_EXTRA_##ex },
#define RAW(id, pat) [IMG_##id] = { .type = IMG_##id, .pattern = pat, .head = IMG_HEAD_RAW_K },
#include "image-types.def"
#undef IMG
#undef RAW
};

const struct img_desc *img_desc_get(enum img_type type)
{
	if ((int)type < 0 || type >= _IMG_TYPE_MAX)
		return NULL;
	return &descs[type];
}

const struct img_desc *img_desc_by_magic(uint32_t magic)
{
	for (size_t i = 0; i < _IMG_TYPE_MAX; i++)
		if (descs[i].head != IMG_HEAD_RAW_K && descs[i].magic == magic)
			return &descs[i];
	return NULL;
}

const struct img_desc *img_desc_by_name(const char *name)
{
	for (size_t i = 0; i < _IMG_TYPE_MAX; i++)
		if (descs[i].name && strcmp(descs[i].name, name) == 0)
			return &descs[i];
	return NULL;
}

/* Does `name` match printf-style `pat` (only %u %lu %x %s conversions)? */
static bool pattern_match(const char *pat, const char *name)
{
	while (*pat) {
		if (*pat != '%') {
			if (*pat++ != *name++)
				return false;
			continue;
		}
		pat++;
		if (*pat == 'l')
			pat++;
		const char *start = name;
		if (*pat == 's') {
			/* the rest of the name, up to the literal that follows */
			size_t tail = strlen(pat + 1);
			size_t nlen = strlen(name);
			if (nlen <= tail)
				return false;
			name += nlen - tail;
		} else if (*pat == 'x') {
			while ((*name >= '0' && *name <= '9') || (*name >= 'a' && *name <= 'f'))
				name++;
		} else {
			while (*name >= '0' && *name <= '9')
				name++;
		}
		if (name == start)
			return false;
		pat++;
	}
	return *name == '\0';
}

const struct img_desc *img_desc_by_filename(const char *base)
{
	char buf[256];

	for (size_t i = 0; i < _IMG_TYPE_MAX; i++) {
		const struct img_desc *d = &descs[i];
		const char *suffix = d->head == IMG_HEAD_SERVICE_K ? "" : ".img";

		snprintf(buf, sizeof(buf), "%s%s", d->pattern, suffix);
		if (pattern_match(buf, base))
			return d;
	}
	return NULL;
}

static char *format_name(const struct img_desc *d, const char *id)
{
	const char *p = strchr(d->pattern, '%');
	const char *suffix = d->head == IMG_HEAD_SERVICE_K ? "" : ".img";

	if (!p)
		return xasprintf("%s%s", d->pattern, suffix);
	const char *after = p + 1;
	if (*after == 'l')
		after++;
	return xasprintf("%.*s%s%s%s", (int)(p - d->pattern), d->pattern, id, after + 1, suffix);
}

char *img_filename(enum img_type type, unsigned long id)
{
	const struct img_desc *d = img_desc_get(type);
	char num[32];
	const char *p;

	if (!d)
		return NULL;
	p = strchr(d->pattern, '%');
	snprintf(num, sizeof(num), p && (p[1] == 'x') ? "%lx" : "%lu", id);
	return format_name(d, num);
}

char *img_filename_str(enum img_type type, const char *id)
{
	const struct img_desc *d = img_desc_get(type);
	return d ? format_name(d, id) : NULL;
}
