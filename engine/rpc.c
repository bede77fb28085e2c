// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The swrk side of CRIU's RPC.  Facts of the protocol that clients rely on:
 * - images_dir_fd and work_dir_fd are the *client's* descriptors; CRIU
 *   opens them through /proc/<peer pid>/fd/N (runc does not pass them).
 * - a dump without opts.pid dumps the client itself (SO_PEERCRED).
 * - log_file is a bare name inside the work dir; default "criu.log".
 * - notifications are criu_resp{type=NOTIFY, notify={script,pid}} answered
 *   by criu_req{type=NOTIFY, notify_success}.
 * - restore over RPC never waits for the tree (the client reaps it).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "rpc.h"
#include "rpc.pb-c.h"
#include "xalloc.h"

/* A request is a few KB; anything past this is not one. */
#define RPC_MAX_MSG (4U << 20)
#define RPC_DEFAULT_LOG "criu.log"

struct rpc {
	int sk;
	pid_t peer;
	const struct crisp_config_paths *paths;
	struct crisp_log log;
	char *sent[16]; /* notifications already sent for this request */
	size_t n_sent;
};

static const char *req_type_name(CriuReqType t)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&criu_req_type__descriptor, t);

	return v ? v->name : "UNKNOWN";
}

/* ---- transport ---- */

static int rpc_recv(int sk, uint8_t **ret, size_t *ret_len, struct cr_error **err)
{
	_cleanup_free_ uint8_t *buf = NULL;
	ssize_t n;

	/* SEQPACKET + MSG_TRUNC: the size of the next packet without taking it. */
	do
		n = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cr_err_sys(err, -errno, "rpc: cannot receive a request");
	if (n == 0) {
		/* an empty packet and EOF look alike here; consume and report EOF */
		recv(sk, NULL, 0, MSG_DONTWAIT);
		*ret = NULL;
		*ret_len = 0;
		return 0;
	}
	if ((size_t)n > RPC_MAX_MSG)
		return cr_err(err, -EMSGSIZE, "rpc: request of %zd bytes is too big", n);
	buf = xmalloc(n);
	do
		n = recv(sk, buf, n, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cr_err_sys(err, -errno, "rpc: cannot receive a request");
	*ret_len = n;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int rpc_send(struct rpc *r, const CriuResp *resp, struct cr_error **err)
{
	size_t len = criu_resp__get_packed_size(resp);
	_cleanup_free_ uint8_t *buf = xmalloc(len ? len : 1);
	ssize_t n;

	criu_resp__pack(resp, buf);
	do
		n = send(r->sk, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cr_err_sys(err, -errno, "rpc: cannot send the %s response",
				  req_type_name(resp->type));
	return 0;
}

static int send_error(struct rpc *r, CriuReqType type, int code, const char *msg)
{
	CriuResp resp = CRIU_RESP__INIT;
	struct cr_error *e = NULL;

	resp.type = type;
	resp.success = false;
	resp.has_cr_errno = true;
	resp.cr_errno = code < 0 ? -code : code;
	resp.cr_errmsg = (char *)msg;
	if (rpc_send(r, &resp, &e) < 0) {
		log_err(&r->log, "%s", e->msg);
		cr_err_free(&e);
	}
	return code < 0 ? code : -code;
}

/* ---- notifications ---- */

static bool already_sent(struct rpc *r, const char *script)
{
	for (size_t i = 0; i < r->n_sent; i++)
		if (!strcmp(r->sent[i], script))
			return true;
	return false;
}

/* The client answers a notification with criu_req{NOTIFY, notify_success}. */
static int rpc_wait_ack(struct rpc *r, const char *script, struct cr_error **err)
{
	_cleanup_free_ uint8_t *buf = NULL;
	CriuReq *ack;
	size_t len;
	bool ok;
	int rc;

	rc = rpc_recv(r->sk, &buf, &len, err);
	if (rc < 0)
		return rc;
	if (!buf)
		return cr_err(err, -ECONNRESET, "rpc: client went away during notify '%s'", script);
	ack = criu_req__unpack(NULL, len, buf);
	if (!ack)
		return cr_err(err, -EBADMSG, "rpc: malformed answer to notify '%s'", script);
	ok = ack->type == CRIU_REQ_TYPE__NOTIFY && ack->has_notify_success && ack->notify_success;
	criu_req__free_unpacked(ack, NULL);
	if (!ok)
		return cr_err(err, -ECANCELED, "rpc: the client's '%s' notify script failed", script);
	return 0;
}

static int rpc_notify(void *ctx, const char *script, pid_t pid, struct cr_error **err)
{
	struct rpc *r = ctx;
	CriuResp resp = CRIU_RESP__INIT;
	CriuNotify n = CRIU_NOTIFY__INIT;
	int rc;

	if (already_sent(r, script))
		return 0;
	if (r->n_sent < ARRAY_SIZE(r->sent))
		r->sent[r->n_sent++] = xstrdup(script);
	n.script = (char *)script;
	if (pid > 0) {
		n.has_pid = true;
		n.pid = pid;
	}
	resp.type = CRIU_REQ_TYPE__NOTIFY;
	resp.success = true;
	resp.notify = &n;
	log_info(&r->log, "rpc: notify '%s' (pid %d)", script, (int)pid);
	rc = rpc_send(r, &resp, err);
	if (rc < 0)
		return rc;
	return rpc_wait_ack(r, script, err);
}

/* A notification with a descriptor attached (SCM_RIGHTS), as CRIU sends orphan-pts-master. */
static int rpc_notify_fd(void *ctx, const char *script, int fd, struct cr_error **err)
{
	struct rpc *r = ctx;
	CriuResp resp = CRIU_RESP__INIT;
	CriuNotify n = CRIU_NOTIFY__INIT;
	_cleanup_free_ uint8_t *buf = NULL;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm = {};
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = sizeof(cm.b) };
	size_t len;

	n.script = (char *)script;
	resp.type = CRIU_REQ_TYPE__NOTIFY;
	resp.success = true;
	resp.notify = &n;
	len = criu_resp__get_packed_size(&resp);
	buf = xmalloc(len);
	criu_resp__pack(&resp, buf);
	iov = (struct iovec){ buf, len };
	cm.h.cmsg_level = SOL_SOCKET;
	cm.h.cmsg_type = SCM_RIGHTS;
	cm.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
	log_info(&r->log, "rpc: notify '%s' with fd %d", script, fd);
	if (sendmsg(r->sk, &mh, MSG_NOSIGNAL) < 0)
		return cr_err_sys(err, -errno, "rpc: cannot send notify '%s'", script);
	return rpc_wait_ack(r, script, err);
}

static void rpc_forget_notifies(struct rpc *r)
{
	for (size_t i = 0; i < r->n_sent; i++)
		free(r->sent[i]);
	r->n_sent = 0;
}

/* ---- criu_opts -> struct crisp_opts ---- */

/* Open the client's fd N as a directory, through /proc/<peer>/fd/N. */
static int open_peer_dir(struct rpc *r, int fd, const char *what, int *ret_fd, char **ret_path,
			 struct cr_error **err)
{
	_cleanup_free_ char *p = r->peer > 0 ? xasprintf("/proc/%d/fd/%d", (int)r->peer, fd)
					     : xasprintf("/proc/self/fd/%d", fd);
	int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return cr_err_sys(err, -errno, "rpc: cannot open %s %d ('%s')", what, fd, p);
	*ret_fd = dfd;
	*ret_path = xasprintf("/proc/self/fd/%d", dfd);
	return 0;
}

static int rpc_dirs(struct rpc *r, struct crisp_opts *o, const CriuOpts *ro,
		    struct cr_error **err)
{
	char *path = NULL;
	int fd, rc;

	if (ro->images_dir_fd >= 0) {
		rc = open_peer_dir(r, ro->images_dir_fd, "images_dir_fd", &fd, &path, err);
		if (rc < 0)
			return rc;
		o->images_dirfd = fd;
		free(o->images_dir);
		o->images_dir = path;
	} else if (ro->images_dir) {
		crisp_opts_set_str(&o->images_dir, ro->images_dir);
	} else {
		return cr_err(err, -EINVAL, "rpc: neither images_dir_fd nor images_dir given");
	}
	if (ro->has_work_dir_fd && ro->work_dir_fd >= 0) {
		rc = open_peer_dir(r, ro->work_dir_fd, "work_dir_fd", &fd, &path, err);
		if (rc < 0)
			return rc;
		o->work_dirfd = fd;
		free(o->work_dir);
		o->work_dir = path;
	}
	if (ro->log_file) {
		if (strchr(ro->log_file, '/'))
			return cr_err(err, -EINVAL, "rpc: log_file '%s': no directories allowed",
				      ro->log_file);
		crisp_opts_set_str(&o->log_file, ro->log_file);
	} else if (ro->has_log_to_stderr && ro->log_to_stderr) {
		crisp_opts_set_str(&o->log_file, "-");
	} else if (!o->log_file) {
		crisp_opts_set_str(&o->log_file, RPC_DEFAULT_LOG);
	}
	return 0;
}

#define SET_BOOL(field, rfield)                   \
	do {                                      \
		if (ro->has_##rfield)             \
			o->field = ro->rfield;    \
	} while (0)

static void rpc_bools(struct crisp_opts *o, const CriuOpts *ro)
{
	if (ro->has_leave_running && ro->leave_running) {
		o->leave_running = true;
		o->leave_stopped = false;
	}
	if (ro->has_leave_stopped && ro->leave_stopped) {
		o->leave_stopped = true;
		o->leave_running = false;
	}
	SET_BOOL(ext_unix_sk, ext_unix_sk);
	SET_BOOL(tcp_established, tcp_established);
	SET_BOOL(evasive_devices, evasive_devices);
	SET_BOOL(shell_job, shell_job);
	SET_BOOL(file_locks, file_locks);
	SET_BOOL(notify_scripts, notify_scripts);
	SET_BOOL(track_mem, track_mem);
	SET_BOOL(auto_dedup, auto_dedup);
	SET_BOOL(link_remap, link_remap);
	SET_BOOL(force_irmap, force_irmap);
	SET_BOOL(manage_cgroups, manage_cgroups);
	SET_BOOL(restore_sibling, rst_sibling);
	SET_BOOL(ext_sharing, ext_sharing);
	SET_BOOL(ext_masters, ext_masters);
	SET_BOOL(skip_in_flight, tcp_skip_in_flight);
	SET_BOOL(weak_sysctls, weak_sysctls);
	SET_BOOL(lazy_pages, lazy_pages);
	SET_BOOL(orphan_pts_master, orphan_pts_master);
	SET_BOOL(tcp_close, tcp_close);
	SET_BOOL(mntns_compat_mode, mntns_compat_mode);
	SET_BOOL(unprivileged, unprivileged);
	SET_BOOL(display_stats, display_stats);
	if (ro->has_log_level)
		o->log_level = ro->log_level;
	if (ro->has_ghost_limit)
		o->ghost_limit = ro->ghost_limit;
	if (ro->has_timeout)
		o->timeout = ro->timeout;
	if (ro->has_status_fd)
		o->status_fd = ro->status_fd;
	if (ro->has_auto_ext_mnt && ro->auto_ext_mnt)
		crisp_opts_list_add(&o->externals, &o->n_externals, "mnt[]");
}

static void rpc_enums(struct crisp_opts *o, const CriuOpts *ro)
{
	static const char *const cg[] = {
		[CRIU_CG_MODE__IGNORE] = "ignore", [CRIU_CG_MODE__CG_NONE] = "none",
		[CRIU_CG_MODE__PROPS] = "props",   [CRIU_CG_MODE__SOFT] = "soft",
		[CRIU_CG_MODE__FULL] = "full",	   [CRIU_CG_MODE__STRICT] = "strict",
		[CRIU_CG_MODE__DEFAULT] = "soft",
	};
	static const char *const nl[] = {
		[CRIU_NETWORK_LOCK_METHOD__IPTABLES] = "iptables",
		[CRIU_NETWORK_LOCK_METHOD__NFTABLES] = "nftables",
		[CRIU_NETWORK_LOCK_METHOD__SKIP] = "skip",
	};

	if (ro->has_manage_cgroups_mode && (unsigned)ro->manage_cgroups_mode < ARRAY_SIZE(cg)) {
		o->manage_cgroups = true;
		crisp_opts_set_str(&o->cgroup_manage_mode, cg[ro->manage_cgroups_mode]);
	}
	if (ro->has_network_lock && (unsigned)ro->network_lock < ARRAY_SIZE(nl) &&
	    nl[ro->network_lock])
		crisp_opts_set_str(&o->network_lock, nl[ro->network_lock]);
	if (ro->has_pre_dump_mode)
		crisp_opts_set_str(&o->pre_dump_mode,
				   ro->pre_dump_mode == CRIU_PRE_DUMP_MODE__VM_READ ? "read" : "splice");
}

static void rpc_strings(struct crisp_opts *o, const CriuOpts *ro)
{
	const struct { char **dst; const char *src; } s[] = {
		{ &o->root, ro->root },
		{ &o->prev_images_dir, ro->parent_img },
		{ &o->freeze_cgroup, ro->freeze_cgroup },
		{ &o->lsm_profile, ro->lsm_profile },
		{ &o->cgroup_props, ro->cgroup_props },
		{ &o->cgroup_props_file, ro->cgroup_props_file },
		{ &o->cgroup_yard, ro->cgroup_yard },
	};
	const struct { const char *key, *val; } ign[] = {
		{ "tls-cacert", ro->tls_cacert }, { "tls-cacrl", ro->tls_cacrl },
		{ "tls-cert", ro->tls_cert },	  { "tls-key", ro->tls_key },
		{ "lsm-mount-context", ro->lsm_mount_context },
	};

	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		if (s[i].src)
			crisp_opts_set_str(s[i].dst, s[i].src);
	for (size_t i = 0; i < ARRAY_SIZE(ign); i++)
		if (ign[i].val)
			crisp_opts_add_ignored(o, ign[i].key, ign[i].val);
	if (ro->ps)
		crisp_opts_add_ignored(o, "page-server", "true");
	if (ro->has_empty_ns)
		crisp_opts_add_ignored(o, "empty-ns", "net");
	if (ro->has_pidfd_store_sk)
		crisp_opts_add_ignored(o, "pidfd-store", "true");
	if (ro->has_skip_file_rwx_check && ro->skip_file_rwx_check)
		crisp_opts_add_ignored(o, "skip-file-rwx-check", "true");
	if (ro->has_tls && ro->tls)
		crisp_opts_add_ignored(o, "tls", "true");
	if (ro->n_exec_cmd)
		crisp_opts_add_ignored(o, "exec-cmd", ro->exec_cmd[0]);
	for (size_t i = 0; i < ro->n_cgroup_dump_controller; i++)
		crisp_opts_add_ignored(o, "cgroup-dump-controller", ro->cgroup_dump_controller[i]);
}

static void add_fmt(char ***list, size_t *n, char *s)
{
	crisp_opts_list_add(list, n, s);
	free(s);
}

static void rpc_lists(struct crisp_opts *o, const CriuOpts *ro)
{
	for (size_t i = 0; i < ro->n_external; i++)
		crisp_opts_list_add(&o->externals, &o->n_externals, ro->external[i]);
	for (size_t i = 0; i < ro->n_ext_mnt; i++)
		add_fmt(&o->externals, &o->n_externals,
			xasprintf("mnt[%s]:%s", ro->ext_mnt[i]->key, ro->ext_mnt[i]->val));
	for (size_t i = 0; i < ro->n_inherit_fd; i++)
		add_fmt(&o->inherit_fds, &o->n_inherit_fds,
			xasprintf("fd[%d]:%s", ro->inherit_fd[i]->fd, ro->inherit_fd[i]->key));
	for (size_t i = 0; i < ro->n_unix_sk_ino; i++) {
		o->ext_unix_sk = true;
		add_fmt(&o->ext_unix, &o->n_ext_unix, xasprintf("%u", ro->unix_sk_ino[i]->inode));
	}
	for (size_t i = 0; i < ro->n_cg_root; i++) {
		const CgroupRoot *c = ro->cg_root[i];

		add_fmt(&o->cgroup_roots, &o->n_cgroup_roots,
			c->ctrl ? xasprintf("%s:%s", c->ctrl, c->path) : xstrdup(c->path));
	}
	for (size_t i = 0; i < ro->n_skip_mnt; i++)
		crisp_opts_list_add(&o->skip_mnt, &o->n_skip_mnt, ro->skip_mnt[i]);
	for (size_t i = 0; i < ro->n_enable_fs; i++)
		crisp_opts_list_add(&o->enable_fs, &o->n_enable_fs, ro->enable_fs[i]);
	for (size_t i = 0; i < ro->n_irmap_scan_paths; i++)
		crisp_opts_list_add(&o->irmap_scan_paths, &o->n_irmap_scan_paths,
				    ro->irmap_scan_paths[i]);
	for (size_t i = 0; i < ro->n_join_ns; i++) {
		const JoinNamespace *j = ro->join_ns[i];

		add_fmt(&o->join_ns, &o->n_join_ns,
			j->extra_opt ? xasprintf("%s:%s,%s", j->ns, j->ns_file, j->extra_opt)
				     : xasprintf("%s:%s", j->ns, j->ns_file));
	}
	for (size_t i = 0; i < ro->n_veths; i++)
		add_fmt(&o->veth_pairs, &o->n_veth_pairs,
			xasprintf("%s=%s", ro->veths[i]->if_in, ro->veths[i]->if_out));
}

/*
 * CRIU's order: the default config files, then the request's options,
 * then the request's config_file (runc's /etc/criu/runc.conf), which is
 * optional: a missing one is not an error.
 */
static int rpc_opts(struct rpc *r, struct crisp_opts *o, const CriuReq *req,
		    struct cr_error **err)
{
	const CriuOpts *ro = req->opts;
	struct crisp_config cfg = {};
	int rc;

	o->rpc_mode = true;
	rc = crisp_config_load_all(o, r->paths, NULL, false, err);
	if (rc < 0)
		return rc;
	if (!ro)
		return cr_err(err, -EINVAL, "rpc: %s request without opts",
			      req_type_name(req->type));
	rc = rpc_dirs(r, o, ro, err);
	if (rc < 0)
		return rc;
	rpc_bools(o, ro);
	rpc_enums(o, ro);
	rpc_strings(o, ro);
	rpc_lists(o, ro);
	if (ro->has_pid)
		o->tree = ro->pid;
	if (ro->config_file) {
		rc = crisp_config_load(ro->config_file, &cfg, err);
		if (rc == -ENOENT) {
			cr_err_free(err);
			return 0;
		}
		if (rc >= 0)
			rc = crisp_config_apply(o, &cfg, err);
		crisp_config_release(&cfg);
	}
	return rc < 0 ? rc : 0;
}

/* ---- requests ---- */

static int open_log(struct rpc *r, const struct crisp_opts *o)
{
	int dirfd = o->work_dirfd >= 0 ? o->work_dirfd : o->images_dirfd;
	_cleanup_close_ int own = -1;
	_cleanup_free_ char *desc = NULL;

	if (dirfd < 0) {
		own = open(o->work_dir ? o->work_dir : o->images_dir,
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		dirfd = own >= 0 ? own : AT_FDCWD;
	}
	crisp_log_close(&r->log);
	if (crisp_log_open_at(&r->log, dirfd, o->log_file, o->log_level) < 0)
		crisp_log_init(&r->log, STDERR_FILENO, o->log_level);
	desc = crisp_cli_describe(o);
	log_debug(&r->log, "options: %s", desc);
	for (size_t i = 0; i < o->n_ignored; i++)
		log_debug(&r->log, "option '%s'%s%s is accepted but not acted on", o->ignored[i].key,
			  o->ignored[i].val ? " = " : "", o->ignored[i].val ? o->ignored[i].val : "");
	return 0;
}

static void close_dirs(struct crisp_opts *o)
{
	if (o->images_dirfd >= 0)
		close(o->images_dirfd);
	if (o->work_dirfd >= 0)
		close(o->work_dirfd);
	o->images_dirfd = o->work_dirfd = -1;
}

/* Fail a request: log the error where the client will look, then answer. */
static int fail_req(struct rpc *r, CriuReqType type, int rc, struct cr_error **err)
{
	int code;

	if (!*err) /* a callee that forgot its message: still answer something */
		cr_err(err, rc, "%s failed: %s", req_type_name(type), strerror(-rc));
	code = (*err)->code;

	/* on stderr, main() prints it; in a log file it is the tail clients show */
	if (r->log.fd != STDERR_FILENO)
		log_err(&r->log, "%s", (*err)->msg);
	send_error(r, type, code, (*err)->msg);
	return code;
}

static int do_dump(struct rpc *r, struct crisp_opts *o, const CriuReq *req,
		   struct cr_error **err)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuDumpResp dr = CRIU_DUMP_RESP__INIT;
	int rc;

	if (o->tree <= 0)
		o->tree = r->peer; /* CRIU dumps the caller when no pid is given */
	if (o->tree <= 0)
		return cr_err(err, -EINVAL, "rpc: no pid to dump");
	log_info(&r->log, "rpc: dump of %d into '%s'", (int)o->tree, o->images_dir);
	if (o->notify) {
		rc = o->notify(o->notify_ctx, "pre-dump", 0, err);
		if (rc < 0)
			return rc;
	}
	rc = crisp_dump_log(o, &r->log, err);
	if (rc < 0)
		return rc;
	if (o->notify) {
		rc = o->notify(o->notify_ctx, "post-dump", 0, err);
		if (rc < 0)
			return rc;
	}
	resp.type = req->type;
	resp.success = true;
	dr.has_restored = true;
	dr.restored = false;
	resp.dump = &dr;
	return rpc_send(r, &resp, err);
}

static int do_restore(struct rpc *r, struct crisp_opts *o, struct cr_error **err)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuRestoreResp rr = CRIU_RESTORE_RESP__INIT;
	pid_t root = 0;
	int rc;

	o->restore_detached = true; /* the client reaps the tree, CRIU's swrk rule */
	log_info(&r->log, "rpc: restore from '%s'", o->images_dir);
	if (o->notify) {
		rc = o->notify(o->notify_ctx, "pre-restore", 0, err);
		if (rc < 0)
			return rc;
	}
	rc = crisp_restore_log(o, &r->log, &root, err);
	if (rc >= 0)
		rc = crisp_write_pidfile(o, root, err);
	if (rc < 0)
		return rc;
	if (o->notify) {
		/* if the core did not send them at their points, send them now */
		rc = o->notify(o->notify_ctx, "setup-namespaces", root, err);
		if (rc >= 0)
			rc = o->notify(o->notify_ctx, "post-restore", root, err);
		if (rc < 0)
			return rc;
	}
	resp.type = CRIU_REQ_TYPE__RESTORE;
	resp.success = true;
	rr.pid = root;
	resp.restore = &rr;
	return rpc_send(r, &resp, err);
}

static int do_dump_restore(struct rpc *r, const CriuReq *req, struct cr_error **err)
{
	struct crisp_opts o;
	int rc;

	crisp_opts_init(&o);
	crisp_log_init(&r->log, STDERR_FILENO, o.log_level);
	rc = rpc_opts(r, &o, req, err);
	if (rc >= 0) {
		open_log(r, &o);
		if (o.notify_scripts) {
			o.notify = rpc_notify;
			o.notify_fd = rpc_notify_fd;
			o.notify_ctx = r;
		}
		if (o.lazy_pages)
			rc = cr_err(err, -EOPNOTSUPP, "rpc: lazy pages are not supported by crisp");
		else if (req->type == CRIU_REQ_TYPE__DUMP || req->type == CRIU_REQ_TYPE__PRE_DUMP) {
			o.cmd = req->type == CRIU_REQ_TYPE__PRE_DUMP ? CRISP_CMD_PRE_DUMP : CRISP_CMD_DUMP;
			rc = do_dump(r, &o, req, err);
		}
		else
			rc = do_restore(r, &o, err);
	}
	if (rc < 0)
		fail_req(r, req->type, rc, err);
	else
		log_info(&r->log, "rpc: %s finished successfully", req_type_name(req->type));
	rpc_forget_notifies(r);
	close_dirs(&o);
	crisp_opts_release(&o);
	crisp_log_close(&r->log);
	return rc;
}

static int do_version(struct rpc *r, struct cr_error **err)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuVersion v = CRIU_VERSION__INIT;

	/* go-criu computes major*10000 + minor*100 (+ sublevel); no gitid, or
	 * it would count us as a development snapshot of the next minor. */
	v.major_number = CRISP_CRIU_MAJOR;
	v.minor_number = CRISP_CRIU_MINOR;
	v.name = "crisp " CRISP_VERSION;
	resp.type = CRIU_REQ_TYPE__VERSION;
	resp.success = true;
	resp.version = &v;
	return rpc_send(r, &resp, err);
}

static int do_check(struct rpc *r, struct cr_error **err)
{
	struct crisp_opts o;
	struct crisp_check_result res = {};
	CriuResp resp = CRIU_RESP__INIT;
	_cleanup_free_ char *why = NULL;
	int rc;

	crisp_opts_init(&o);
	rc = crisp_check_run(&o, &res, err);
	crisp_opts_release(&o);
	if (rc < 0) {
		send_error(r, CRIU_REQ_TYPE__CHECK, rc, (*err)->msg);
		return rc;
	}
	for (size_t i = 0; i < res.n_items; i++) {
		char *n;

		if (res.items[i].ok)
			continue;
		n = xasprintf("%s%s%s: %s", why ? why : "", why ? "; " : "", res.items[i].name,
			      res.items[i].msg ? res.items[i].msg : "missing");
		free(why);
		why = n;
	}
	resp.type = CRIU_REQ_TYPE__CHECK;
	resp.success = res.required_ok;
	resp.cr_errmsg = why;
	crisp_check_result_release(&res);
	rc = rpc_send(r, &resp, err);
	if (rc < 0)
		return rc;
	return resp.success ? 0 : cr_err(err, -EOPNOTSUPP, "check failed: %s", why);
}

static int do_feature_check(struct rpc *r, const CriuReq *req, struct cr_error **err)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuFeatures f = CRIU_FEATURES__INIT;
	struct crisp_rpc_features have;

	if (!req->features) {
		send_error(r, CRIU_REQ_TYPE__FEATURE_CHECK, -EINVAL, "FEATURE_CHECK without features");
		return cr_err(err, -EINVAL, "rpc: FEATURE_CHECK without features");
	}
	crisp_check_rpc_features(&have);
	/* Answer exactly what was asked, as CRIU does. */
	if (req->features->has_mem_track) {
		f.has_mem_track = true;
		f.mem_track = have.mem_track;
	}
	if (req->features->has_lazy_pages) {
		f.has_lazy_pages = true;
		f.lazy_pages = have.lazy_pages;
	}
	if (req->features->has_pidfd_store) {
		f.has_pidfd_store = true;
		f.pidfd_store = have.pidfd_store;
	}
	resp.type = CRIU_REQ_TYPE__FEATURE_CHECK;
	resp.success = true;
	resp.features = &f;
	return rpc_send(r, &resp, err);
}

static int handle(struct rpc *r, const CriuReq *req, struct cr_error **err)
{
	_cleanup_free_ char *msg = NULL;

	switch (req->type) {
	case CRIU_REQ_TYPE__VERSION:
		return do_version(r, err);
	case CRIU_REQ_TYPE__CHECK:
		return do_check(r, err);
	case CRIU_REQ_TYPE__FEATURE_CHECK:
		return do_feature_check(r, req, err);
	case CRIU_REQ_TYPE__DUMP:
	case CRIU_REQ_TYPE__RESTORE:
		return do_dump_restore(r, req, err);
	case CRIU_REQ_TYPE__PRE_DUMP:
	case CRIU_REQ_TYPE__SINGLE_PRE_DUMP:
	case CRIU_REQ_TYPE__PAGE_SERVER:
	case CRIU_REQ_TYPE__PAGE_SERVER_CHLD:
	case CRIU_REQ_TYPE__CPUINFO_DUMP:
	case CRIU_REQ_TYPE__CPUINFO_CHECK:
	case CRIU_REQ_TYPE__WAIT_PID:
		msg = xasprintf("%s requests are not supported by crisp", req_type_name(req->type));
		send_error(r, req->type, -EOPNOTSUPP, msg);
		return cr_err(err, -EOPNOTSUPP, "rpc: %s", msg);
	default:
		msg = xasprintf("invalid request type %d", (int)req->type);
		send_error(r, req->type, -EINVAL, msg);
		return cr_err(err, -EINVAL, "rpc: %s", msg);
	}
}

static pid_t peer_pid(int sk)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(sk, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return 0;
	return uc.pid;
}

int crisp_rpc_serve(int sk, const struct crisp_config_paths *paths, struct cr_error **err)
{
	struct rpc r = { .sk = sk, .peer = peer_pid(sk), .paths = paths };
	struct crisp_config_paths defaults;
	int rc = 0;

	if (!paths) {
		crisp_config_paths_default(&defaults);
		r.paths = &defaults;
	}
	crisp_log_init(&r.log, STDERR_FILENO, CRISP_LOG_WARN);
	for (;;) {
		_cleanup_free_ uint8_t *buf = NULL;
		CriuReq *req;
		bool keep;
		size_t len;

		rc = rpc_recv(sk, &buf, &len, err);
		if (rc < 0 || !buf)
			break;
		req = criu_req__unpack(NULL, len, buf);
		if (!req) {
			send_error(&r, CRIU_REQ_TYPE__EMPTY, -EBADMSG, "malformed RPC request");
			rc = cr_err(err, -EBADMSG, "rpc: malformed request (%zu bytes)", len);
			break;
		}
		rc = handle(&r, req, err);
		keep = req->has_keep_open && req->keep_open;
		criu_req__free_unpacked(req, NULL);
		if (rc < 0 || !keep)
			break;
	}
	return rc;
}

/* ---- crisp service: CRIU's RPC daemon ---- */

/* systemd socket activation: LISTEN_PID is us and LISTEN_FDS is 1 -> fd 3. */
static int activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atoi(pid) != getpid() || atoi(fds) != 1)
		return -1;
	return 3;
}

static int service_listen(const struct crisp_opts *o, struct cr_error **err)
{
	const char *path = o->address ? o->address : CRISP_SERVICE_ADDRESS;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int sk = activated_socket();

	if (sk >= 0)
		return TAKE_FD(sk);
	if (strlen(path) >= sizeof(sa.sun_path))
		return cr_err(err, -ENAMETOOLONG, "service address '%s' is too long", path);
	strcpy(sa.sun_path, path);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return cr_err_sys(err, -errno, "service: socket");
	unlink(path); /* a stale socket from an earlier run, as CRIU does */
	if (bind(sk, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return cr_err_sys(err, -errno, "service: bind '%s'", path);
	if (listen(sk, 16) < 0)
		return cr_err_sys(err, -errno, "service: listen on '%s'", path);
	return TAKE_FD(sk);
}

/* -d: the parent writes the pidfile and leaves, the daemon goes on. */
static int service_daemonize(const struct crisp_opts *o, struct cr_error **err)
{
	pid_t pid = fork();

	if (pid < 0)
		return cr_err_sys(err, -errno, "service: fork");
	if (pid > 0) {
		struct cr_error *e = NULL;

		if (crisp_write_pidfile(o, pid, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e->msg);
			cr_err_free(&e);
			_exit(1);
		}
		_exit(0);
	}
	setsid();
	return 0;
}

int crisp_rpc_service(const struct crisp_opts *o, struct cr_error **err)
{
	_cleanup_close_ int sk = service_listen(o, err);

	if (sk < 0)
		return sk;
	if (o->restore_detached && service_daemonize(o, err) < 0)
		return (*err)->code;
	if (o->status_fd >= 0) {
		if (write(o->status_fd, "", 1) != 1)
			return cr_err_sys(err, -errno, "service: --status-fd %d", o->status_fd);
		close(o->status_fd);
	}
	signal(SIGCHLD, SIG_IGN); /* connection children reap themselves */
	for (;;) {
		int c = accept4(sk, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return cr_err_sys(err, -errno, "service: accept");
		}
		pid = fork();
		if (pid == 0) {
			struct cr_error *e = NULL;

			close(sk);
			signal(SIGCHLD, SIG_DFL); /* the engine waits for its own children */
			_exit(crisp_rpc_serve(c, NULL, &e) < 0 ? 1 : 0);
		}
		close(c);
		if (pid < 0)
			return cr_err_sys(err, -errno, "service: fork");
	}
}
