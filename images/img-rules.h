/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Display rules of annotated fields, generated from (criu).* options. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "images-pb.h"

struct img_field_rule {
	uint32_t id;
	const char *name;
	bool hex, ipadd, dev, odev;
	const char *flags; /* "mmap.prot"... */
	const char *dict;  /* "sk", "gen" */
	const char *conv;  /* "unix_name" */
};

struct img_msg_rules {
	const ProtobufCMessageDescriptor *desc;
	const struct img_field_rule *rules;
	size_t n;
};

extern const struct img_msg_rules img_msg_rules[];
extern const size_t img_msg_rules_count;

/* The rules of a message (NULL if it has none) and of one of its fields
 * (NULL if mr is NULL or the field has none); json-walk.c and json.c share them. */
const struct img_msg_rules *img_msg_rules_find(const ProtobufCMessageDescriptor *d);
const struct img_field_rule *img_field_rule(const struct img_msg_rules *mr, uint32_t id);
