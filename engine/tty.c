/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pseudo-terminals inside the tree, in CRIU's format: a FileEntry TTY per
 * open description (tty_info_id = index << 1 | is_master), tty-info.img
 * once per peer (termios, locked termios, winsize, lock/packet/exclusive
 * state, the session and foreground group the slave controls) and
 * tty-data.img with the bytes queued in each direction (tty_id = the peer
 * they were read from; they are written back through the other peer).
 *
 * Dump: a master (/dev/ptmx) always; a slave only when a master with its
 * index is held in the tree, else it stays a REG path as before (the
 * --shell-job case).  The queued bytes are read out and put straight
 * back, so a dump that fails or leaves the tree running loses nothing.
 *
 * Restore: the master opens a new pair in crisp (/dev/ptmx), the slave
 * fds are TIOCGPTPEER opens of it.  The index is whatever the kernel
 * hands out: CRIU asks for the same index, but in crisp's devpts other
 * ptys may hold it and only a private devpts instance could choose it.
 * The session leader whose terminal it was gets TIOCSCTTY and TIOCSPGRP
 * in its own crisp code (tty_restore_ctty, called from files.c).
 *
 * State lives in the image directory only (tty-info.img and tty-data.img
 * are rewritten with each new entry), nothing global.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "files.h"
#include "xalloc.h"

#define TERMIOS_NCC 19 /* the kernel's struct termios c_cc */

static bool is_master_dev(dev_t rdev)
{
	return (major(rdev) == 5 && minor(rdev) == 2) || (major(rdev) >= 128 && major(rdev) < 136);
}

static bool is_slave_dev(dev_t rdev)
{
	return major(rdev) >= 136 && major(rdev) < 144;
}

static uint32_t slave_index(dev_t rdev)
{
	return major(rdev) == 136 ? minor(rdev) : (major(rdev) - 136) * 256 + minor(rdev);
}

static bool pty_match(const struct fd_dump_info *fi)
{
	return S_ISCHR(fi->st.st_mode) && (is_master_dev(fi->st.st_rdev) || is_slave_dev(fi->st.st_rdev));
}

/* Is a master of pty `index` open in some task of the tree (fdinfo tty-index)? */
static bool tree_has_master(struct crisp_ctx *c, uint32_t index)
{
	for (size_t k = 0; k < c->tree.n; k++) {
		char path[300], line[128];
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo", c->tree.tasks[k]->pid);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			_cleanup_fclose_ FILE *f = NULL;
			unsigned idx;

			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", c->tree.tasks[k]->pid,
				 de->d_name);
			f = fopen(path, "re");
			while (f && fgets(line, sizeof(line), f))
				if (sscanf(line, "tty-index: %u", &idx) == 1 && idx == index)
					return true;
		}
	}
	return false;
}

/* The session whose controlling terminal is rdev, and its foreground group (/proc stat). */
static void tree_ctty(struct crisp_ctx *c, dev_t rdev, uint32_t *sid, uint32_t *pgrp)
{
	unsigned int nr = (minor(rdev) & 0xff) | (major(rdev) << 8) | ((minor(rdev) & ~0xffu) << 12);

	*sid = *pgrp = 0;
	for (size_t k = 0; k < c->tree.n; k++) {
		char path[64], buf[1024];
		_cleanup_close_ int fd = -1;
		int s, tty, tpgid;
		ssize_t n;
		char *p;

		snprintf(path, sizeof(path), "/proc/%d/stat", c->tree.tasks[k]->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
			continue;
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %*d %*d %d %d %d", &s, &tty, &tpgid) != 3)
			continue;
		if ((unsigned int)tty == nr && s > 0) {
			*sid = s;
			*pgrp = tpgid > 0 ? tpgid : 0;
			return;
		}
	}
}

static TermiosEntry *termios_entry(const struct termios *t)
{
	TermiosEntry *e = xmalloc(sizeof(*e));

	termios_entry__init(e);
	e->c_iflag = t->c_iflag;
	e->c_oflag = t->c_oflag;
	e->c_cflag = t->c_cflag;
	e->c_lflag = t->c_lflag;
	e->c_line = t->c_line;
	e->n_c_cc = TERMIOS_NCC;
	e->c_cc = xcalloc(TERMIOS_NCC, sizeof(*e->c_cc));
	for (int i = 0; i < TERMIOS_NCC; i++)
		e->c_cc[i] = t->c_cc[i];
	return e;
}

static void termios_from(struct termios *t, const TermiosEntry *e)
{
	memset(t, 0, sizeof(*t));
	t->c_iflag = e->c_iflag;
	t->c_oflag = e->c_oflag;
	t->c_cflag = e->c_cflag;
	t->c_lflag = e->c_lflag;
	t->c_line = e->c_line;
	for (size_t i = 0; i < e->n_c_cc && i < TERMIOS_NCC; i++)
		t->c_cc[i] = e->c_cc[i];
}

/* ---- the side images: read all, or rewrite with one more entry ---- */

static int read_entries(struct crisp_ctx *c, enum img_type type, struct img_entry **ret,
			size_t *ret_n, struct cr_error **err)
{
	return img_read_entries(c->imgfd, type, 0, true, ret, ret_n, err);
}

static void free_entries(struct img_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		img_entry_release(&v[i]);
	free(v);
}

static const TtyInfoEntry *find_info(struct img_entry *v, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (((TtyInfoEntry *)v[i].msg)->id == id)
			return (TtyInfoEntry *)v[i].msg;
	return NULL;
}

static const TtyDataEntry *find_data(struct img_entry *v, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (((TtyDataEntry *)v[i].msg)->tty_id == id)
			return (TtyDataEntry *)v[i].msg;
	return NULL;
}

static int append_entry(struct crisp_ctx *c, enum img_type type, const ProtobufCMessage *msg,
			struct cr_error **err)
{
	struct img_entry *v;
	struct img_writer *w = NULL;
	size_t n;
	int r;

	r = read_entries(c, type, &v, &n, err);
	if (r >= 0)
		r = img_writer_open_type_at(c->imgfd, type, 0, &w, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = img_writer_put(w, v[i].msg, err);
	if (r >= 0)
		r = img_writer_put(w, msg, err);
	free_entries(v, n);
	if (r < 0) {
		if (w)
			img_writer_abort(w);
		return r;
	}
	return img_writer_commit(w, err);
}

/* ---- dump ---- */

static int dump_info(struct crisp_ctx *c, const struct fd_dump_info *fi, uint32_t id,
		     uint32_t index, bool master, struct cr_error **err)
{
	TtyInfoEntry ie = TTY_INFO_ENTRY__INIT;
	TtyPtyEntry pe = TTY_PTY_ENTRY__INIT;
	WinsizeEntry we = WINSIZE_ENTRY__INIT;
	struct termios t, tl;
	struct winsize ws;
	struct img_entry *v;
	size_t n;
	int val, r;
	bool seen;

	r = read_entries(c, IMG_TTY_INFO, &v, &n, err);
	seen = r >= 0 && find_info(v, n, id);
	free_entries(v, n);
	if (r < 0 || seen)
		return r;
	memset(&t, 0, sizeof(t));
	memset(&tl, 0, sizeof(tl));
	if (ioctl(fi->lfd, TCGETS, &t) < 0 || ioctl(fi->lfd, TIOCGLCKTRMIOS, &tl) < 0 ||
	    ioctl(fi->lfd, TIOCGWINSZ, &ws) < 0)
		return cr_err_sys(err, -errno, "task %d fd %d: pty %u: reading termios", fi->t->pid,
				  fi->fd, index);
	ie.id = id;
	ie.type = TTY_TYPE__PTY;
	if (master) {
		ie.locked = ioctl(fi->lfd, TIOCGPTLCK, &val) == 0 && val;
		ie.packet_mode = ioctl(fi->lfd, TIOCGPKT, &val) == 0 && val;
	}
	ie.has_uid = ie.has_gid = true;
	ie.uid = fi->st.st_uid;
	ie.gid = fi->st.st_gid;
	ie.exclusive = ioctl(fi->lfd, TIOCGEXCL, &val) == 0 && val;
	tree_ctty(c, makedev(136, index), &ie.sid, &ie.pgrp);
	ie.rdev = fi->st.st_rdev;
	ie.has_dev = true;
	ie.dev = fi->st.st_dev;
	ie.termios = termios_entry(&t);
	ie.termios_locked = termios_entry(&tl);
	we.ws_row = ws.ws_row;
	we.ws_col = ws.ws_col;
	we.ws_xpixel = ws.ws_xpixel;
	we.ws_ypixel = ws.ws_ypixel;
	ie.winsize = &we;
	pe.index = index;
	ie.pty = &pe;
	r = append_entry(c, IMG_TTY_INFO, &ie.base, err);
	free(ie.termios->c_cc);
	free(ie.termios);
	free(ie.termios_locked->c_cc);
	free(ie.termios_locked);
	if (r < 0)
		return cr_err_wrap(err, "task %d fd %d: tty-info.img", fi->t->pid, fi->fd);
	pr_debug(c, "task %d fd %d: pty %u %s: sid %u pgrp %u", fi->t->pid, fi->fd, index,
		 master ? "master" : "slave", ie.sid, ie.pgrp);
	return 0;
}

/* Read whatever is readable now (fd non-blocking), at most cap bytes. */
static ssize_t drain(int fd, uint8_t *buf, size_t cap)
{
	size_t off = 0;

	while (off < cap) {
		ssize_t k = read(fd, buf + off, cap - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EIO))
			break;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		off += k;
	}
	return off;
}

/*
 * Input for the slave's reader (master -> slave), fed through the line
 * discipline as input that was already processed once: no echo, no
 * signals, no input translation, canonical mode as the final termios.
 * TIOCSTI hands it to the line discipline synchronously; without the
 * privilege it goes through the master and may be processed later.
 */
static int put_input(int mfd, int sfd, const struct termios *final, const uint8_t *data,
		     size_t len)
{
	struct termios tmp = *final;
	size_t i = 0;
	int r = 0;

	tmp.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | ECHOKE | ISIG | IEXTEN);
	tmp.c_iflag &= ~(ICRNL | INLCR | IGNCR | ISTRIP | IUCLC | IXON | IXOFF | PARMRK);
	if (ioctl(sfd, TCSETS, &tmp) < 0)
		return -errno;
	for (; i < len; i++)
		if (ioctl(sfd, TIOCSTI, &data[i]) < 0)
			break;
	while (i < len) {
		ssize_t k = write(mfd, data + i, len - i);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EIO;
			break;
		}
		i += k;
	}
	if (ioctl(sfd, TCSETS, final) < 0 && !r)
		r = -errno;
	return r;
}

/* Output for the master's reader (slave -> master), already post-processed: OPOST off. */
static int put_output(int sfd, const struct termios *final, const uint8_t *data, size_t len)
{
	struct termios tmp = *final;
	size_t i = 0;
	int r = 0;

	tmp.c_oflag &= ~OPOST;
	if (ioctl(sfd, TCSETS, &tmp) < 0)
		return -errno;
	while (i < len) {
		ssize_t k = write(sfd, data + i, len - i);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EIO;
			break;
		}
		i += k;
	}
	if (ioctl(sfd, TCSETS, final) < 0 && !r)
		r = -errno;
	return r;
}

static int put_data(struct crisp_ctx *c, uint32_t id, const uint8_t *buf, size_t len,
		    struct cr_error **err)
{
	TtyDataEntry de = TTY_DATA_ENTRY__INIT;

	de.tty_id = id;
	de.data.data = (uint8_t *)buf;
	de.data.len = len;
	return append_entry(c, IMG_TTY_DATA, &de.base, err);
}

/* Both directions' queued bytes, read through crisp's master copy; then put back. */
static int dump_queued(struct crisp_ctx *c, const struct fd_dump_info *fi, uint32_t index,
		       struct cr_error **err)
{
	enum { CAP = 1 << 16 };
	_cleanup_free_ uint8_t *in = xmalloc(CAP), *out = xmalloc(CAP);
	_cleanup_close_ int sfd = -1;
	struct termios t, raw;
	ssize_t n_in = 0, n_out = 0;
	int avail, pkt = 0, zero = 0, r = 0;

	sfd = ioctl(fi->lfd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (sfd < 0) {
		pr_warn(c, "task %d fd %d: pty %u: no slave to read queued data from (%m)",
			fi->t->pid, fi->fd, index);
		return 0;
	}
	if (ioctl(sfd, TCGETS, &t) < 0)
		return cr_err_sys(err, -errno, "task %d fd %d: pty %u: TCGETS", fi->t->pid, fi->fd,
				  index);
	/* master -> slave: non-canonical for a moment, so a partial line reads too */
	raw = t;
	raw.c_lflag &= ~ICANON;
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (ioctl(sfd, TCSETS, &raw) < 0)
		return cr_err_sys(err, -errno, "task %d fd %d: pty %u: TCSETS", fi->t->pid, fi->fd,
				  index);
	n_in = drain(sfd, in, CAP);
	if (ioctl(sfd, TCSETS, &t) < 0 && n_in >= 0)
		n_in = -errno;
	if (n_in < 0)
		return cr_err_sys(err, (int)n_in, "task %d fd %d: pty %u: reading slave input",
				  fi->t->pid, fi->fd, index);
	/* slave -> master: what the master's reader has not read (no packet headers) */
	if (ioctl(fi->lfd, TIOCGPKT, &pkt) < 0)
		pkt = 0;
	if (pkt)
		ioctl(fi->lfd, TIOCPKT, &zero);
	while (n_out < CAP && ioctl(fi->lfd, FIONREAD, &avail) == 0 && avail > 0) {
		size_t want = CAP - (size_t)n_out;
		ssize_t k;

		if ((size_t)avail < want)
			want = avail;
		k = read(fi->lfd, out + n_out, want);

		if (k <= 0)
			break;
		n_out += k;
	}
	if (pkt)
		ioctl(fi->lfd, TIOCPKT, &pkt);
	if (n_out)
		r = put_output(sfd, &t, out, n_out);
	if (n_in && r >= 0)
		r = put_input(fi->lfd, sfd, &t, in, n_in);
	if (r < 0)
		pr_warn(c, "task %d fd %d: pty %u: putting queued bytes back: %s", fi->t->pid,
			fi->fd, index, strerror(-r));
	if (n_in == CAP || n_out == CAP)
		pr_warn(c, "task %d fd %d: pty %u: more than %d queued bytes, the rest is lost",
			fi->t->pid, fi->fd, index, CAP);
	r = 0;
	if (n_in)
		r = put_data(c, index << 1, in, n_in, err);
	if (n_out && r >= 0)
		r = put_data(c, index << 1 | 1, out, n_out, err);
	if (r < 0)
		return cr_err_wrap(err, "task %d fd %d: tty-data.img", fi->t->pid, fi->fd);
	pr_debug(c, "task %d fd %d: pty %u: %zd bytes to the slave, %zd to the master queued",
		 fi->t->pid, fi->fd, index, n_in, n_out);
	return 0;
}

static int pty_dump(struct crisp_ctx *c, const struct fd_dump_info *fi, FileEntry *fe,
		    struct cr_error **err)
{
	bool master = is_master_dev(fi->st.st_rdev);
	TtyFileEntry *te;
	uint32_t index, regf_id = 0;
	int r, val;

	if (master) {
		if (ioctl(fi->lfd, TIOCGPTN, &val) < 0)
			return cr_err_sys(err, -errno, "task %d fd %d: '%s': TIOCGPTN", fi->t->pid,
					  fi->fd, fi->link);
		index = val;
	} else {
		index = slave_index(fi->st.st_rdev);
		if (!tree_has_master(c, index)) {
			/*
			 * a terminal from outside: only a shell job, restored onto
			 * the restorer's terminal, can do without its master (CRIU
			 * refuses it too); kept by path, as before
			 */
			if (!c->o->shell_job)
				return cr_err(err, -EOPNOTSUPP,
					      "task %d fd %d: terminal '%s' whose master is outside the tree: dump it as a shell job (--shell-job)",
					      fi->t->pid, fi->fd, fi->link);
			fe->type = FD_TYPES__REG;
			return fd_ops_reg.dump(c, fi, fe, err);
		}
	}
	/* the first pty of this dump: no stale side images from an older dump */
	{
		bool first = true;

		for (size_t i = 0; i < c->n_dfiles && first; i++)
			first = c->dfiles[i].type != FD_TYPES__TTY;
		if (first) {
			unlinkat(c->imgfd, "tty-info.img", 0);
			unlinkat(c->imgfd, "tty-data.img", 0);
		}
	}
	r = dump_info(c, fi, index << 1 | master, index, master, err);
	if (r >= 0 && master)
		r = dump_queued(c, fi, index, err);
	/* the path as CRIU records it: a REG entry the TTY entry names by regf_id */
	if (r >= 0) {
		char path[64];

		if (master)
			snprintf(path, sizeof(path), "%s",
				 strncmp(fi->link, "/dev/", 5) || strchr(fi->link, ' ') ? "/dev/ptmx" : fi->link);
		else
			snprintf(path, sizeof(path), "/dev/pts/%u", index);
		r = files_put_reg(c, path, fi->flags & ~O_CLOEXEC, &fi->st, &regf_id, err);
	}
	if (r < 0)
		return r;
	te = xmalloc(sizeof(*te));
	tty_file_entry__init(te);
	te->has_regf_id = true;
	te->regf_id = regf_id;
	te->id = fe->id;
	te->tty_info_id = index << 1 | master;
	te->flags = fi->flags & ~O_CLOEXEC;
	te->fown = fown_new();
	fe->tty = te;
	return 0;
}

/* ---- restore ---- */

/* The master's FileEntry for a tty_info_id (index << 1 | 1), as an index into c->fentries. */
static ssize_t master_entry(struct crisp_ctx *c, uint32_t master_id)
{
	for (size_t i = 0; i < c->n_fentries; i++)
		if (c->fentries[i]->type == FD_TYPES__TTY && c->fentries[i]->tty &&
		    c->fentries[i]->tty->tty_info_id == master_id)
			return i;
	return -1;
}

static int set_params(int mfd, const TtyInfoEntry *ie, struct termios *t, struct cr_error **err)
{
	struct winsize ws;

	if (ie->termios_locked) {
		struct termios tl, cur;

		termios_from(&tl, ie->termios_locked);
		memset(&cur, 0, sizeof(cur));
		ioctl(mfd, TIOCGLCKTRMIOS, &cur);
		if (memcmp(&tl, &cur, sizeof(tl)) && ioctl(mfd, TIOCSLCKTRMIOS, &tl) < 0)
			return cr_err_sys(err, -errno, "pty %u: locked termios", ie->pty->index);
	}
	if (ie->termios) {
		termios_from(t, ie->termios);
		if (ioctl(mfd, TCSETS, t) < 0)
			return cr_err_sys(err, -errno, "pty %u: termios", ie->pty->index);
	} else if (ioctl(mfd, TCGETS, t) < 0) {
		return cr_err_sys(err, -errno, "pty %u: TCGETS", ie->pty->index);
	}
	if (ie->winsize) {
		ws.ws_row = ie->winsize->ws_row;
		ws.ws_col = ie->winsize->ws_col;
		ws.ws_xpixel = ie->winsize->ws_xpixel;
		ws.ws_ypixel = ie->winsize->ws_ypixel;
		if (ioctl(mfd, TIOCSWINSZ, &ws) < 0)
			return cr_err_sys(err, -errno, "pty %u: window size", ie->pty->index);
	}
	return 0;
}

/* A new pair for a master entry: parameters, queued bytes, lock. */
static int open_master(struct crisp_ctx *c, const FileEntry *fe, const TtyInfoEntry *mi,
		       const TtyInfoEntry *si, int *ret_fd, struct cr_error **err)
{
	struct img_entry *data = NULL;
	size_t n_data = 0;
	_cleanup_close_ int mfd = -1, sfd = -1;
	const TtyDataEntry *d;
	struct termios t;
	int zero = 0, one = 1, r, idx = -1;

	mfd = open("/dev/ptmx", (fe->tty->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK)) | O_NOCTTY |
					O_CLOEXEC);
	if (mfd < 0)
		return cr_err_sys(err, -errno, "file %u: open /dev/ptmx", fe->id);
	if (ioctl(mfd, TIOCSPTLCK, &zero) < 0 || ioctl(mfd, TIOCGPTN, &idx) < 0)
		return cr_err_sys(err, -errno, "file %u: unlocking the new pty", fe->id);
	if (mi->packet_mode && ioctl(mfd, TIOCPKT, &one) < 0)
		return cr_err_sys(err, -errno, "file %u: packet mode", fe->id);
	r = set_params(mfd, si && si->termios ? si : mi, &t, err);
	if (r < 0)
		return cr_err_wrap(err, "file %u", fe->id);
	sfd = ioctl(mfd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (sfd < 0)
		return cr_err_sys(err, -errno, "file %u: opening the new slave", fe->id);
	if (si && si->has_uid && fchown(sfd, si->uid, si->has_gid ? si->gid : (gid_t)-1) < 0)
		pr_warn(c, "file %u: chown /dev/pts/%d: %m", fe->id, idx);
	r = read_entries(c, IMG_TTY_DATA, &data, &n_data, err);
	if (r < 0)
		return r;
	/* bytes read from the master go back out of the slave, and the reverse */
	if ((d = find_data(data, n_data, mi->id)))
		r = put_output(sfd, &t, d->data.data, d->data.len);
	if (r >= 0 && (d = find_data(data, n_data, mi->id & ~1u)))
		r = put_input(mfd, sfd, &t, d->data.data, d->data.len);
	free_entries(data, n_data);
	if (r < 0)
		return cr_err_sys(err, r, "file %u: writing queued bytes to the new pty", fe->id);
	if ((si && si->exclusive && ioctl(sfd, TIOCEXCL) < 0) ||
	    (mi->exclusive && ioctl(mfd, TIOCEXCL) < 0))
		return cr_err_sys(err, -errno, "file %u: TIOCEXCL", fe->id);
	if (mi->locked && ioctl(mfd, TIOCSPTLCK, &one) < 0)
		return cr_err_sys(err, -errno, "file %u: locking the pty", fe->id);
	pr_info(c, "file %u: pty %u restored as /dev/pts/%d%s", fe->id, mi->pty->index, idx,
		(int)mi->pty->index != idx ? " (another index)" : "");
	*ret_fd = TAKE_FD(mfd);
	return 0;
}

static int pty_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const TtyFileEntry *te = fe->tty;
	struct img_entry *infos = NULL;
	const TtyInfoEntry *mi, *si;
	ssize_t midx;
	size_t n = 0;
	int r, fd, mfd, zero = 0, one = 1, lck = 0;

	if (!te)
		return cr_err(err, -EINVAL, "file %u: TTY entry without tty", fe->id);
	midx = master_entry(c, te->tty_info_id | 1);
	r = read_entries(c, IMG_TTY_INFO, &infos, &n, err);
	if (r < 0)
		return cr_err_wrap(err, "file %u: tty-info.img", fe->id);
	mi = find_info(infos, n, te->tty_info_id | 1);
	si = find_info(infos, n, te->tty_info_id & ~1u);
	if (midx < 0 || !mi || mi->type != TTY_TYPE__PTY || !mi->pty) {
		/* no master in the image: a terminal from outside (--shell-job) */
		free_entries(infos, n);
		return fd_ops_tty.open(c, fe, ret_fd, err);
	}
	if (te->tty_info_id & 1) {
		r = open_master(c, fe, mi, si, ret_fd, err);
		free_entries(infos, n);
		return r;
	}
	/* a slave: of the master's new pair, opened first if need be */
	if (c->ffd[midx] < 0) {
		r = open_master(c, c->fentries[midx], mi, si, &fd, err);
		if (r >= 0) {
			c->ffd[midx] = files_park_fd(c, fd);
			if (c->ffd[midx] < 0)
				r = cr_err_sys(err, c->ffd[midx], "file %u: moving the master fd", fe->id);
		}
		if (r < 0) {
			free_entries(infos, n);
			return r;
		}
	}
	free_entries(infos, n);
	mfd = c->ffd[midx];
	if (ioctl(mfd, TIOCGPTLCK, &lck) == 0 && lck)
		ioctl(mfd, TIOCSPTLCK, &zero);
	fd = ioctl(mfd, TIOCGPTPEER, (te->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK)) | O_NOCTTY);
	if (fd < 0)
		r = cr_err_sys(err, -errno, "file %u: opening the slave of the new pty", fe->id);
	if (lck)
		ioctl(mfd, TIOCSPTLCK, &one);
	if (fd < 0)
		return r;
	*ret_fd = fd;
	return 0;
}

/*
 * In the restored task, after setsid and before its fds are put in place:
 * a session leader whose terminal was a pty of the tree takes the new
 * slave as its controlling terminal and gives it the foreground group
 * (which may be a group its children are still setting up: retried).
 */
int tty_restore_ctty(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen)
{
	struct cr_error *e = NULL;
	struct img_entry *infos = NULL;
	size_t n = 0;
	int r = 0;
	bool any = false;

	if (t->sid != t->pid)
		return 0;
	for (size_t i = 0; i < c->n_fentries && !any; i++)
		any = c->fentries[i]->type == FD_TYPES__TTY;
	if (!any)
		return 0;
	if (read_entries(c, IMG_TTY_INFO, &infos, &n, &e) < 0) {
		snprintf(msg, msglen, "tty-info.img: %s", e ? e->msg : "unreadable");
		cr_err_free(&e);
		free_entries(infos, n);
		return -EIO;
	}
	for (size_t i = 0; i < n && !r; i++) {
		const TtyInfoEntry *ie = (TtyInfoEntry *)infos[i].msg;
		ssize_t midx;
		int sfd;

		if (ie->type != TTY_TYPE__PTY || !ie->pty || ie->sid != (uint32_t)t->pid)
			continue;
		/* once per pty: the slave's entry if there is one */
		if ((ie->id & 1) && find_info(infos, n, ie->id & ~1u))
			continue;
		midx = master_entry(c, ie->id | 1);
		if (midx < 0 || c->ffd[midx] < 0)
			continue;
		sfd = ioctl(c->ffd[midx], TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (sfd < 0 || ioctl(sfd, TIOCSCTTY, 0) < 0) {
			r = -errno;
			snprintf(msg, msglen, "pty %u: controlling terminal: %m", ie->pty->index);
		} else if (ie->pgrp && ie->pgrp != (uint32_t)t->pid) {
			pid_t pg = ie->pgrp;
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			int e = EPERM;

			for (int tries = 300; tries > 0 && e == EPERM; tries--) {
				if (ioctl(sfd, TIOCSPGRP, &pg) == 0)
					e = 0;
				else if ((e = errno) == EPERM)
					nanosleep(&ts, NULL);
			}
			if (e) {
				r = -e;
				snprintf(msg, msglen, "pty %u: foreground group %u: %s",
					 ie->pty->index, ie->pgrp, strerror(e));
			}
		}
		if (sfd >= 0)
			close(sfd);
	}
	free_entries(infos, n);
	return r;
}

const struct fd_ops fd_ops_pty = {
	.name = "pty",
	.type = FD_TYPES__TTY,
	.match = pty_match,
	.dump = pty_dump,
	.open = pty_open,
};
