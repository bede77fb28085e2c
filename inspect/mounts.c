// SPDX-License-Identifier: LGPL-2.1-or-later
/* Mount points of the checkpoint's mount namespaces (mountpoints-NS.img). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

struct ins_mounts *ins_mounts_free(struct ins_mounts *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n_msgs; i++)
		protobuf_c_message_free_unpacked(m->msgs[i], NULL);
	free(m->msgs);
	free(m->v);
	free(m);
	return NULL;
}

static int ns_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int ins_mounts(struct ins_ckpt *c, struct ins_mounts **ret, struct cr_error **err)
{
	int fd = fcntl(c->dirfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ uint32_t *ns = NULL;
	size_t nns = 0, cap = 0, capv = 0, capm = 0;
	struct ins_mounts *m;
	struct dirent *de;
	int r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cr_err_sys(err, -errno, "'%s': cannot list", c->label);
	}
	rewinddir(d); /* a dup shares its original's offset: an earlier listing left it at the end */
	while ((de = readdir(d))) {
		unsigned id;
		char tail;
		if (sscanf(de->d_name, "mountpoints-%u.im%c", &id, &tail) == 2 && tail == 'g') {
			ns = xgrow(ns, &cap, nns + 1, sizeof(*ns));
			ns[nns++] = id;
		}
	}
	if (nns)
		qsort(ns, nns, sizeof(*ns), ns_cmp);
	m = xzalloc(sizeof(*m));
	for (size_t i = 0; i < nns && r >= 0; i++) {
		struct ins_msgs msgs;
		r = ins_load_all(c->dirfd, IMG_MNTS, ns[i], false, &msgs, err);
		if (r < 0)
			break;
		for (size_t j = 0; j < msgs.n; j++) {
			const MntEntry *e = (const MntEntry *)msgs.v[j];
			const ProtobufCEnumValue *ev =
				protobuf_c_enum_descriptor_get_value(&fstype__descriptor, e->fstype);
			struct ins_mount *mt;

			m->v = xgrow(m->v, &capv, m->n + 1, sizeof(*m->v));
			mt = &m->v[m->n++];
			mt->ns_id = ns[i];
			mt->mnt_id = e->mnt_id;
			mt->parent_mnt_id = e->parent_mnt_id;
			mt->mountpoint = e->mountpoint;
			mt->root = e->root;
			mt->source = e->source;
			mt->options = e->options;
			mt->ext_key = e->ext_key && e->ext_key[0] ? e->ext_key : NULL;
			mt->fstype = e->fsname && e->fsname[0] ? e->fsname : ev ? ev->name : "?";
			m->msgs = xgrow(m->msgs, &capm, m->n_msgs + 1, sizeof(*m->msgs));
			m->msgs[m->n_msgs++] = msgs.v[j];
			msgs.v[j] = NULL;
		}
		ins_msgs_clear(&msgs);
	}
	if (r < 0) {
		ins_mounts_free(m);
		return r;
	}
	*ret = m;
	return 0;
}
