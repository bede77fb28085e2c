// SPDX-License-Identifier: LGPL-2.1-or-later
/* Sizes of the raw payloads that follow an entry, from the entry's fields. */
#include <errno.h>

#include "crimg.h"

int img_extra_size(enum img_extra kind, const ProtobufCMessage *msg, uint64_t *ret,
		   struct cr_error **err)
{
	switch (kind) {
	case IMG_EXTRA_NONE:
	case IMG_EXTRA_PAGEMAP:
		*ret = 0;
		return 0;
	case IMG_EXTRA_PIPE_DATA:
		*ret = ((const PipeDataEntry *)msg)->bytes;
		return 0;
	case IMG_EXTRA_SK_QUEUE:
		*ret = ((const SkPacketEntry *)msg)->length;
		return 0;
	case IMG_EXTRA_TCP_STREAM: {
		const TcpStreamEntry *t = (const TcpStreamEntry *)msg;
		*ret = (uint64_t)t->inq_len + t->outq_len;
		return 0;
	}
	case IMG_EXTRA_BPFMAP_DATA: {
		const BpfmapDataEntry *b = (const BpfmapDataEntry *)msg;
		*ret = (uint64_t)b->keys_bytes + b->values_bytes;
		return 0;
	}
	case IMG_EXTRA_IPC_SHM: {
		/* CRIU >= 3.15 keeps the segment's bytes in pagemap-shmem-N/pages-N
		 * (in_pagemaps) and writes nothing after the entry */
		const IpcShmEntry *s = (const IpcShmEntry *)msg;
		*ret = s->has_in_pagemaps && s->in_pagemaps ? 0 : s->size;
		return 0;
	}
	case IMG_EXTRA_IPC_SEM:
		*ret = 2ull * ((const IpcSemEntry *)msg)->nsems;
		return 0;
	case IMG_EXTRA_GHOST:
		if (msg->descriptor == &ghost_chunk_entry__descriptor) {
			*ret = ((const GhostChunkEntry *)msg)->len;
			return 0;
		}
		break;
	case IMG_EXTRA_IPC_MSG:
		break;
	}
	return cr_err(err, -EINVAL, "payload size of kind %d is not a single length", kind);
}
