/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crisp dump: stop the tree, write every task's images, then kill it,
 * leave it running or leave it stopped.  Any failure puts every task back
 * exactly as it was and detaches.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "dir-snap.h"
#include "sysv-shm.h"
#include "file-locks.h"
#include "io.h"
#include "mem-parent.h"
#include "engine.h"
#include "xalloc.h"

int core_write_ids(struct crisp_ctx *c, struct task *t, uint32_t kobj_id, struct cr_error **err);

static int open_dir(const char *path, int rpc_fd, bool create, struct cr_error **err)
{
	int fd;

	if (rpc_fd >= 0)
		return fcntl(rpc_fd, F_DUPFD_CLOEXEC, 3);
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return cr_err_sys(err, -errno, "mkdir '%s'", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "open images dir '%s'", path);
	return fd;
}

int ctx_open(struct crisp_ctx *c, const struct crisp_opts *o, struct crisp_log *log,
	     bool create, struct cr_error **err);
int ctx_open(struct crisp_ctx *c, const struct crisp_opts *o, struct crisp_log *log,
	     bool create, struct cr_error **err)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->log = log ? log : crisp_log_default();
	c->imgfd = c->workfd = -1;
	c->self = getpid();
	c->imgfd = open_dir(o->images_dir ? o->images_dir : ".", o->images_dirfd, create, err);
	if (c->imgfd < 0)
		return c->imgfd;
	if (o->work_dir) {
		c->workfd = open(o->work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c->workfd < 0)
			return cr_err_sys(err, -errno, "open work dir '%s'", o->work_dir);
	} else {
		c->workfd = fcntl(c->imgfd, F_DUPFD_CLOEXEC, 3);
	}
	return 0;
}

void ctx_release(struct crisp_ctx *c);
void ctx_release(struct crisp_ctx *c)
{
	ext_release(c);
	ghost_release(c);
	seccomp_release(c);
	if (c->w_files)
		img_writer_abort(c->w_files);
	if (c->w_pipes_data)
		img_writer_abort(c->w_pipes_data);
	if (c->w_fifo_data)
		img_writer_abort(c->w_fifo_data);
	for (size_t i = 0; i < c->n_fifo_data; i++)
		img_entry_release(&c->fifo_data[i]);
	free(c->fifo_data);
	free(c->dfiles);
	for (size_t i = 0; i < c->n_kept; i++)
		close(c->kept[i]);
	free(c->kept);
	free(c->pipes_done);
	for (size_t i = 0; i < c->n_fentries; i++) {
		if (c->ffd && c->ffd[i] >= 0)
			close(c->ffd[i]);
		protobuf_c_message_free_unpacked(&c->fentries[i]->base, NULL);
	}
	free(c->fentries);
	free(c->ffd);
	free(c->fd_used);
	free(c->sysv);
	for (size_t i = 0; i < c->n_pipe_data; i++)
		img_entry_release(&c->pipe_data[i]);
	free(c->pipe_data);
	for (size_t i = 0; i < c->n_rpipes; i++) {
		close(c->rpipes[i].fds[0]);
		close(c->rpipes[i].fds[1]);
	}
	free(c->rpipes);
	pstree_release(&c->tree);
	if (c->imgfd >= 0)
		close(c->imgfd);
	if (c->workfd >= 0)
		close(c->workfd);
}

int write_pidfile(struct crisp_ctx *c, pid_t pid, struct cr_error **err);
int write_pidfile(struct crisp_ctx *c, pid_t pid, struct cr_error **err)
{
	char buf[32];
	int fd, n, r;

	if (!c->o->pidfile)
		return 0;
	fd = openat(c->o->pidfile[0] == '/' ? AT_FDCWD : c->workfd, c->o->pidfile,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return cr_err_sys(err, -errno, "open pidfile '%s'", c->o->pidfile);
	n = snprintf(buf, sizeof(buf), "%d", pid);
	r = io_write_full(fd, buf, n);
	close(fd);
	return r < 0 ? cr_err_sys(err, r, "write pidfile '%s'", c->o->pidfile) : 0;
}

/* Undo the scratch page and put registers and mask back. */
static void task_unprepare(struct task *t)
{
	if (!t->seized)
		return;
	if (t->scratch) {
		long ret;
		struct cr_error *e = NULL;

		ptr_syscall(t, SYS_munmap, t->scratch, PAGE_SIZE_, 0, 0, 0, 0, &ret, &e);
		cr_err_free(&e);
		t->scratch = 0;
	}
	ptr_restore_state(t, NULL);
}

static void resume_all(struct crisp_ctx *c, int sig)
{
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		task_unprepare(t);
		threads_detach(t, true);
		ptr_detach(t, t->state == TASK_STOPPED ? SIGSTOP : sig);
	}
}

static void kill_all(struct crisp_ctx *c)
{
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		if (t->state == TASK_DEAD)
			continue;
		kill(t->pid, SIGKILL);
	}
	/* children first: a dying parent may wait for children that only we,
	 * their tracer, can reap (the init of a pid namespace does) */
	for (size_t i = c->tree.n; i-- > 0;) {
		struct task *t = c->tree.tasks[i];
		int st;

		for (size_t k = 0; k < t->n_threads; k++)
			if (t->threads[k]->seized) {
				while (waitpid(t->threads[k]->pid, &st, __WALL) < 0 && errno == EINTR)
					;
				t->threads[k]->seized = false;
			}
		if (t->seized) {
			while (waitpid(t->pid, &st, __WALL) < 0 && errno == EINTR)
				;
			t->seized = false;
		}
	}
}

static int dump_fs(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	FsEntry fs = FS_ENTRY__INIT;
	struct proc_status st;
	int r;

	r = files_dump_path(c, t->pid, "cwd", O_RDONLY, &fs.cwd_id, err);
	if (r < 0)
		return r;
	r = files_dump_path(c, t->pid, "root", O_RDONLY, &fs.root_id, err);
	if (r < 0)
		return r;
	r = proc_read_status(t->pid, &st, err);
	if (r < 0)
		return r;
	fs.has_umask = true;
	fs.umask = st.umask;
	proc_status_release(&st);
	return img_write_one_at(c->imgfd, IMG_FS, t->pid, &fs.base, err);
}

static int dump_task(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	long ret = 0;
	int r;

	if (t->state == TASK_DEAD)
		return core_dump_zombie(c, t, err);
	r = proc_read_maps(t->pid, &t->vmas, err);
	if (r < 0)
		return r;
	r = ptr_find_syscall(t, err);
	if (r < 0)
		return r;
	r = ptr_syscall(t, SYS_mmap, 0, PAGE_SIZE_, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &ret, err);
	if (r < 0)
		return r;
	if (ret < 0 && ret > -4096)
		return cr_err_sys(err, (int)ret, "task %d: injected mmap", t->pid);
	t->scratch = ret;
	/* ids first: namespace ids are numbered in the order they are met */
	r = core_write_ids(c, t, t->idx + 2, err);
	if (r >= 0 && c->o->cmd == CRISP_CMD_PRE_DUMP)
		return mem_dump(c, t, err); /* pre-dump: memory only */
	if (r >= 0)
		r = core_dump(c, t, err);
	if (r >= 0)
		r = threads_dump(c, t, err);
	if (r >= 0)
		r = mem_dump(c, t, err);
	if (r >= 0)
		r = files_dump_task(c, t, t->idx + 2, err);
	if (r >= 0)
		r = dump_fs(c, t, err);
	return r;
}

static int write_inventory(struct crisp_ctx *c, struct cr_error **err)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	ProtobufCMessage *ids = NULL;
	int r;

	r = img_read_one_at(c->imgfd, IMG_IDS, c->tree.root->pid, &ids, err);
	if (r < 0)
		return r;
	inv.img_version = 2;
	inv.has_fdinfo_per_id = true;
	inv.fdinfo_per_id = true;
	inv.root_ids = (TaskKobjIdsEntry *)ids;
	/* kobj ids 1 are crisp's own, as CRIU records them; tasks start at 2 */
	inv.root_ids->vm_id = inv.root_ids->files_id = inv.root_ids->fs_id =
		inv.root_ids->sighand_id = 1;
	inv.has_ns_per_id = true;
	inv.ns_per_id = true;
	inv.has_lsmtype = true;
	inv.lsmtype = LSMTYPE__NO_LSM;
	inv.has_network_lock_method = true;
	inv.network_lock_method = 0;
	r = img_write_one_at(c->imgfd, IMG_INVENTORY, 0, &inv.base, err);
	protobuf_c_message_free_unpacked(ids, NULL);
	return r;
}

static int write_stats(struct crisp_ctx *c, struct cr_error **err)
{
	StatsEntry se = STATS_ENTRY__INIT;
	DumpStatsEntry ds = DUMP_STATS_ENTRY__INIT;
	struct img_writer *w = NULL;
	int r;

	ds.freezing_time = c->st.t_freeze * 1e6;
	ds.frozen_time = c->st.t_frozen * 1e6;
	ds.memdump_time = c->st.t_mem * 1e6;
	ds.memwrite_time = c->st.t_memwrite * 1e6;
	ds.pages_scanned = c->st.pages_scanned;
	ds.pages_written = c->st.pages_written;
	ds.pages_skipped_parent = c->st.pages_parent;
	ds.pages_lazy = 0;
	se.dump = &ds;
	r = img_writer_open_at(c->imgfd, "stats-dump", img_desc_get(IMG_STATS), &w, err);
	if (r < 0)
		return r;
	r = img_writer_put(w, &se.base, err);
	if (r < 0) {
		img_writer_abort(w);
		return r;
	}
	return img_writer_commit(w, err);
}

/* DIR/parent -> --prev-images-dir, as CRIU links an incremental dump to its parent. */
static int link_parent(struct crisp_ctx *c, struct cr_error **err)
{
	const char *prev = c->o->prev_images_dir;
	int fd;

	if (!prev)
		return 0;
	if (unlinkat(c->imgfd, "parent", 0) < 0 && errno != ENOENT)
		return cr_err_sys(err, -errno, "remove old 'parent' link");
	if (symlinkat(prev, c->imgfd, "parent") < 0)
		return cr_err_sys(err, -errno, "symlink 'parent' -> '%s'", prev);
	fd = openat(c->imgfd, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "parent images dir '%s' (relative to the images dir)",
				  prev);
	close(fd);
	return 0;
}

/* Reset soft-dirty bits so the next (pre-)dump sees what changed since this one. */
static int clear_soft_dirty(struct crisp_ctx *c, struct cr_error **err)
{
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];
		char path[64];
		int fd, r = 0;

		if (t->state == TASK_DEAD)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/clear_refs", t->pid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return cr_err_sys(err, -errno, "open '%s'", path);
		if (write(fd, "4", 1) != 1)
			r = cr_err_sys(err, -errno, "task %d: resetting soft-dirty bits", t->pid);
		close(fd);
		if (r < 0)
			return r;
	}
	return 0;
}

static int do_dump(struct crisp_ctx *c, struct cr_error **err)
{
	double t0 = now_sec(), t1;
	int r;

	mem_zero_pfn(c);
	if ((c->o->track_mem || c->o->cmd == CRISP_CMD_PRE_DUMP) && !mem_soft_dirty_works())
		return cr_err(err, -EOPNOTSUPP,
			      "tracking memory is not available: the kernel does not track soft-dirty pages%s",
			      c->o->track_mem ? "; consider omitting --track-mem" : "");
	r = link_parent(c, err);
	if (r < 0)
		return r;
	r = pstree_collect(c, c->o->tree, err);
	if (r < 0)
		return r;
	t1 = now_sec();
	c->st.t_freeze = t1 - t0;
	pr_info(c, "tree of %zu tasks stopped in %.3f s", c->tree.n, t1 - t0);
	r = img_writer_open_type_at(c->imgfd, IMG_FILES, 0, &c->w_files, err);
	if (r < 0)
		return r;
	r = ext_dump_init(c, err);
	if (r < 0)
		return r;
	r = file_locks_dump(c, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		r = dump_task(c, t, err);
		if (r < 0)
			return cr_err_wrap(err, "dumping task %d", t->pid);
	}
	c->st.t_mem = now_sec() - t1;
	r = ext_dump_commit(c, err);
	if (r >= 0)
		r = pstree_write(c, err);
	if (r >= 0)
		r = write_inventory(c, err);
	if (r >= 0)
		r = img_writer_commit(TAKE_PTR(c->w_files), err);
	if (r >= 0 && c->w_pipes_data)
		r = img_writer_commit(TAKE_PTR(c->w_pipes_data), err);
	if (r >= 0 && c->w_fifo_data)
		r = img_writer_commit(TAKE_PTR(c->w_fifo_data), err);
	if (r >= 0)
		r = ghost_dump_commit(c, err);
	if (r >= 0)
		r = seccomp_dump_commit(c, err);
	if (r >= 0)
		r = sysvshm_dump_commit(c, err);
	if (r >= 0 && (c->o->track_mem || c->o->cmd == CRISP_CMD_PRE_DUMP))
		r = clear_soft_dirty(c, err);
	c->st.t_frozen = now_sec() - t1;
	if (r >= 0)
		r = write_stats(c, err);
	return r;
}

int crisp_dump_log(const struct crisp_opts *o, struct crisp_log *log, struct cr_error **err)
{
	struct dir_snap before;
	struct crisp_ctx c;
	int r;

	if (o->tree <= 0)
		return cr_err(err, -EINVAL, "dump needs a tree root (-t PID)");
	r = ctx_open(&c, o, log, true, err);
	if (r < 0) {
		ctx_release(&c);
		return r;
	}
	dir_snap_take(&before, c.imgfd);
	r = do_dump(&c, err);
	/* sockets leave TCP repair mode only if the tasks go on running */
	ext_dump_finish(&c, r < 0 || o->leave_running || o->track_mem || o->leave_stopped ||
				    o->cmd == CRISP_CMD_PRE_DUMP);
	if (r < 0) {
		pr_err(&c, "dump failed, resuming the tree");
		resume_all(&c, 0);
		dir_snap_remove_new(&before, c.imgfd, c.log);
	} else if (o->leave_running || o->track_mem || o->cmd == CRISP_CMD_PRE_DUMP) {
		resume_all(&c, 0);
	} else if (o->leave_stopped) {
		resume_all(&c, SIGSTOP);
	} else {
		kill_all(&c);
	}
	if (r >= 0)
		pr_info(&c, "dump of %d done: %llu pages written, %llu in the parent, of %llu scanned",
			o->tree, (unsigned long long)c.st.pages_written,
			(unsigned long long)c.st.pages_parent,
			(unsigned long long)c.st.pages_scanned);
	if (r >= 0 && o->display_stats)
		fprintf(stdout, "Displaying dump stats:\nFreezing time: %.0f us\nFrozen time: %.0f us\nMemory dump time: %.0f us\nPages scanned: %llu\nPages written: %llu\n",
			c.st.t_freeze * 1e6, c.st.t_frozen * 1e6, c.st.t_mem * 1e6,
			(unsigned long long)c.st.pages_scanned,
			(unsigned long long)c.st.pages_written);
	dir_snap_release(&before);
	ctx_release(&c);
	return r;
}

int crisp_dump(const struct crisp_opts *o, struct cr_error **err)
{
	return crisp_dump_log(o, NULL, err);
}
