/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "xalloc.h"

__attribute__((constructor)) static void need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		exit(77);
	}
}

/* what the core does: CRIU's ns ids (the tree's only net ns is 2 in the corpus) */
static uint32_t net_ns_id(void *arg, unsigned long ino)
{
	return 2;
}

/* what the core does for --ext-unix-sk: a fresh id, an extra files.img entry */
static uint32_t new_file_id(void *arg)
{
	struct xenv *x = arg;

	return x->n + 1;
}

static int put_file(void *arg, FileEntry *fe, struct cr_error **err)
{
	struct xenv *x = arg;
	size_t len = protobuf_c_message_get_packed_size(&fe->base);
	uint8_t *buf = xmalloc(len ? len : 1);

	protobuf_c_message_pack(&fe->base, buf);
	x->fes[x->n++] = file_entry__unpack(NULL, len, buf);
	free(buf);
	return 0;
}

void h_init(struct xenv *x, bool tcp_established)
{
	memset(x, 0, sizeof(*x));
	strcpy(x->dir, "/tmp/crisp-ext-XXXXXX");
	if (!mkdtemp(x->dir))
		abort();
	x->imgfd = open(x->dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	x->pages_id = 0;
	memset(&x->o, 0, sizeof(x->o));
	x->o.tcp_established = tcp_established;
	fdk_dump_init(&x->d, x->imgfd, &x->o, &x->pages_id);
	x->d.net_ns_id = net_ns_id;
	x->d.new_file_id = new_file_id;
	x->d.put_file = put_file;
	x->d.file_arg = x;
}

void h_release(struct xenv *x)
{
	char cmd[128];

	if (x->r_ready)
		fdk_restore_release(&x->r);
	fdk_dump_finish(&x->d, true);
	for (size_t i = 0; i < x->n; i++)
		protobuf_c_message_free_unpacked(&x->fes[i]->base, NULL);
	close(x->imgfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", x->dir);
	cr_err_free(&x->err);

}

pid_t h_child(void (*fn)(int *fds, void *arg), void *arg, int *fds)
{
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2];
	pid_t pid;
	char c;

	if (shared == MAP_FAILED || pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		fn(shared, arg);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		fprintf(stderr, "child setup failed\n");
		abort();
	}
	close(p[0]);
	memcpy(fds, shared, 16 * sizeof(int));
	munmap(shared, 4096);
	return pid;
}

void h_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

FileEntry *h_dump(struct xenv *x, pid_t pid, int tfd)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), lfd, r;
	const struct fdk_ops *ops;
	FileEntry *fe;
	struct stat st;

	if (pidfd < 0) {
		cr_err_sys(&x->err, -errno, "pidfd_open");
		return NULL;
	}
	lfd = syscall(SYS_pidfd_getfd, pidfd, tfd, 0);
	close(pidfd);
	if (lfd < 0 || fstat(lfd, &st) < 0) {
		cr_err_sys(&x->err, -errno, "pidfd_getfd %d", tfd);
		return NULL;
	}
	ops = fdk_ops_for_fd(lfd, &st);
	if (!ops) {
		close(lfd);
		cr_err(&x->err, -ENOENT, "fd %d: no ext kind", tfd);
		return NULL;
	}
	fe = xmalloc(sizeof(*fe));
	file_entry__init(fe);
	fe->id = x->n + 1;
	r = ops->dump(&x->d, pid, tfd, lfd, fe, &x->err);
	close(lfd);
	if (r < 0) {
		fdk_file_entry_release(fe);
		free(fe);
		return NULL;
	}
	x->fes[x->n++] = fe;
	return fe;
}

int h_dump_done(struct xenv *x, bool keep_running)
{
	int r = fdk_dump_commit(&x->d, &x->err);

	fdk_dump_finish(&x->d, keep_running);
	return r;
}

int h_open(struct xenv *x, size_t idx)
{
	const struct fdk_ops *ops;
	FileEntry *fe;
	int fd = -1, r;

	if (!x->r_ready) {
		/* round-trip every entry through protobuf, as files.img would */
		for (size_t i = 0; i < x->n; i++) {
			size_t len = protobuf_c_message_get_packed_size(&x->fes[i]->base);
			uint8_t *buf = xmalloc(len ? len : 1);
			FileEntry *n;

			protobuf_c_message_pack(&x->fes[i]->base, buf);
			n = file_entry__unpack(NULL, len, buf);
			free(buf);
			if (!n)
				abort();
			protobuf_c_message_free_unpacked(&x->fes[i]->base, NULL);
			x->fes[i] = n;
		}
		fdk_restore_init(&x->r, x->imgfd, &x->o, x->fes, x->n, &x->err);
		x->r_ready = true;
	}
	fe = x->fes[idx];
	ops = fdk_ops_by_type(fe->type);
	if (!ops)
		return cr_err(&x->err, -ENOENT, "type %d: no ops", fe->type), -1;
	r = ops->open(&x->r, fe, &fd, &x->err);
	return r < 0 ? -1 : fd;
}

const char *h_errmsg(struct xenv *x)
{
	return x->err ? x->err->msg : "(no error)";
}

static int keys_match(json_t *mine, json_t *criu, const char *path)
{
	const char *k;
	json_t *v;
	int bad = 0;

	if (json_is_array(criu) && json_is_array(mine) && json_array_size(criu) &&
	    json_array_size(mine))
		return keys_match(json_array_get(mine, 0), json_array_get(criu, 0), path);
	if (!json_is_object(criu) || !json_is_object(mine))
		return 0;
	json_object_foreach(criu, k, v) {
		json_t *m = json_object_get(mine, k);
		char sub[256];

		if (!m && !strcmp(k, "extra"))
			continue; /* the payload after the entry, not a field */
		if (!m) {
			fprintf(stderr, "%s.%s: missing (CRIU writes it)\n", path, k);
			bad++;
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		bad += keys_match(m, v, sub);
	}
	json_object_foreach(mine, k, v)
		if (!json_object_get(criu, k)) {
			fprintf(stderr, "%s.%s: extra (CRIU does not write it)\n", path, k);
			bad++;
		}
	return bad;
}

int h_shape(struct xenv *x, const ProtobufCMessage *m, const char *corpus_file)
{
	const char *corpus = getenv("CORPUS");
	json_t *mine = NULL, *img, *e, *criu = NULL;
	const char *type;
	char path[512];
	json_error_t je;
	size_t j;
	int bad;

	snprintf(path, sizeof(path), "%s/criu-4.x/%s", corpus ? corpus : "tests/data",
		 corpus_file);
	img = json_load_file(path, 0, &je);
	if (!img) {
		fprintf(stderr, "%s: %s\n", path, je.text);
		return 1;
	}
	if (img_json_from_msg(m, true, &mine, &x->err) < 0) {
		json_decref(img);
		return 1;
	}
	type = json_string_value(json_object_get(mine, "type"));
	json_array_foreach(json_object_get(img, "entries"), j, e) {
		const char *t = json_string_value(json_object_get(e, "type"));

		if (!type || (t && !strcmp(t, type))) {
			criu = e;
			break;
		}
	}
	if (!criu) {
		fprintf(stderr, "%s: no %s entry\n", path, type ? type : "first");
		bad = 1;
	} else {
		bad = keys_match(mine, criu, type ? type : "entry");
	}
	json_decref(mine);
	json_decref(img);
	return bad;
}
