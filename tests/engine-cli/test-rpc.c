// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crisp swrk as runc/go-criu drive it: a SOCK_SEQPACKET socketpair, criu_req
 * in, criu_resp out.  Usage: test-engine-rpc CRISP basic|dump
 *   basic: VERSION, FEATURE_CHECK, CHECK, keep_open, malformed and
 *          unsupported requests, bad options, the RPC config_file
 *   dump:  a DUMP of a real sleeping process with notify_scripts, then its
 *          RESTORE (root; exit 77 when not root or when the engine core
 *          is not built)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rpc.pb-c.h"
#include "test.h"

struct test_case test_cases[TEST_MAX];
int test_count;

static const char *crisp;
static char tmpdir[64];

struct swrk {
	int sk;
	pid_t pid;
};

static struct swrk swrk_start(void)
{
	struct swrk s = { -1, -1 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
	s.pid = fork();
	if (s.pid == 0) {
		char fd[16];

		close(sv[0]);
		snprintf(fd, sizeof(fd), "%d", sv[1]);
		/* HOME and CRIU_CONFIG_FILE point at nothing: no stray config files */
		setenv("HOME", tmpdir, 1);
		unsetenv("CRIU_CONFIG_FILE");
		execl(crisp, crisp, "swrk", fd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	s.sk = sv[0];
	return s;
}

/* Close our end and return swrk's exit code. */
static int swrk_end(struct swrk *s)
{
	int st = 0;

	close(s->sk);
	if (waitpid(s->pid, &st, 0) != s->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int send_raw(int sk, const void *buf, size_t len)
{
	return send(sk, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int send_req(int sk, const CriuReq *req)
{
	size_t len = criu_req__get_packed_size(req);
	uint8_t *buf = malloc(len + 1);
	int r;

	criu_req__pack(req, buf);
	r = send_raw(sk, buf, len);
	free(buf);
	return r;
}

static CriuResp *recv_resp(int sk)
{
	static uint8_t buf[1 << 16];
	ssize_t n = recv(sk, buf, sizeof(buf), 0);

	if (n <= 0)
		return NULL;
	return criu_resp__unpack(NULL, n, buf);
}

static CriuResp *xfer(int sk, const CriuReq *req)
{
	if (send_req(sk, req) < 0)
		return NULL;
	return recv_resp(sk);
}

/* What `crisp check --feature mem_dirty_track` answers on this kernel. */
static int mem_track_supported(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "'%s' check --feature mem_dirty_track >/dev/null 2>&1", crisp);
	return system(cmd) == 0;
}

TEST(version_features_check_keep_open)
{
	struct swrk s = swrk_start();
	CriuReq req = CRIU_REQ__INIT;
	CriuFeatures f = CRIU_FEATURES__INIT;
	CriuResp *r;

	req.type = CRIU_REQ_TYPE__VERSION;
	req.has_keep_open = req.keep_open = true;
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->type, CRIU_REQ_TYPE__VERSION);
	ASSERT_TRUE(r->success);
	ASSERT_TRUE(r->version != NULL);
	ASSERT_EQ(r->version->major_number, 4);
	ASSERT_EQ(r->version->minor_number, 2);
	/* go-criu turns a gitid into "next development version": must be absent */
	ASSERT_TRUE(r->version->gitid == NULL);
	criu_resp__free_unpacked(r, NULL);

	req.type = CRIU_REQ_TYPE__FEATURE_CHECK;
	f.has_mem_track = f.mem_track = true;
	f.has_lazy_pages = f.lazy_pages = true;
	req.features = &f;
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->type, CRIU_REQ_TYPE__FEATURE_CHECK);
	ASSERT_TRUE(r->success);
	ASSERT_TRUE(r->features && r->features->has_mem_track && r->features->has_lazy_pages);
	/* mem_track follows the kernel's soft-dirty support, as check --feature says */
	ASSERT_EQ(r->features->mem_track, mem_track_supported());
	ASSERT_TRUE(!r->features->lazy_pages);
	ASSERT_TRUE(!r->features->has_pidfd_store); /* not asked, not answered */
	criu_resp__free_unpacked(r, NULL);
	req.features = NULL;

	/* garbage: an error response, then swrk exits with failure */
	ASSERT_OK(send_raw(s.sk, "\xff\xff\xff\xff\x0f", 5));
	r = recv_resp(s.sk);
	ASSERT_TRUE(r != NULL);
	ASSERT_TRUE(!r->success);
	ASSERT_TRUE(r->cr_errmsg && strstr(r->cr_errmsg, "malformed"));
	criu_resp__free_unpacked(r, NULL);
	ASSERT_EQ(swrk_end(&s), 1);
}

/* CHECK: success as root; without privileges, success=false naming what is missing. */
TEST(check_request)
{
	struct swrk s = swrk_start();
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *r;

	req.type = CRIU_REQ_TYPE__CHECK;
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->type, CRIU_REQ_TYPE__CHECK);
	if (geteuid() == 0 && !r->success)
		FAILF("CHECK failed as root: %s", r->cr_errmsg ? r->cr_errmsg : "?");
	if (!r->success && !(r->cr_errmsg && strstr(r->cr_errmsg, ": ")))
		FAILF("failed CHECK without a reason");
	criu_resp__free_unpacked(r, NULL);
	ASSERT_EQ(swrk_end(&s), geteuid() == 0 ? 0 : 1);
}

TEST(one_request_then_exit)
{
	struct swrk s = swrk_start();
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *r;

	req.type = CRIU_REQ_TYPE__VERSION;
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r && r->success);
	criu_resp__free_unpacked(r, NULL);
	ASSERT_TRUE(recv_resp(s.sk) == NULL); /* EOF: swrk is gone */
	ASSERT_EQ(swrk_end(&s), 0);

	/* the client hangs up without asking anything */
	s = swrk_start();
	ASSERT_EQ(swrk_end(&s), 0);
}

static void expect_error(int type, CriuOpts *opts, const char *want, int *failed)
{
	struct swrk s = swrk_start();
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *r;

	req.type = type;
	req.opts = opts;
	r = xfer(s.sk, &req);
	if (!r)
		FAILF("no response to request type %d", type);
	if (r->success)
		FAILF("request type %d succeeded", type);
	if (!r->cr_errmsg || !strstr(r->cr_errmsg, want))
		FAILF("cr_errmsg '%s' lacks '%s'", r->cr_errmsg ? r->cr_errmsg : "(null)", want);
	criu_resp__free_unpacked(r, NULL);
	if (swrk_end(&s) != 1)
		FAILF("swrk did not exit 1 after a failed request");
}

TEST(errors_are_responses)
{
	CriuOpts o = CRIU_OPTS__INIT;

	expect_error(CRIU_REQ_TYPE__PRE_DUMP, NULL, "not supported", failed);
	expect_error(CRIU_REQ_TYPE__PAGE_SERVER, NULL, "not supported", failed);
	expect_error(CRIU_REQ_TYPE__EMPTY, NULL, "invalid request type", failed);
	expect_error(CRIU_REQ_TYPE__DUMP, NULL, "without opts", failed);
	o.images_dir_fd = 987; /* not an open fd of ours */
	expect_error(CRIU_REQ_TYPE__DUMP, &o, "images_dir_fd 987", failed);
	o.images_dir_fd = -1;
	expect_error(CRIU_REQ_TYPE__RESTORE, &o, "neither images_dir_fd nor images_dir", failed);
	o.images_dir = tmpdir;
	o.log_file = "sub/dir.log";
	expect_error(CRIU_REQ_TYPE__DUMP, &o, "no directories allowed", failed);
}

/* `crisp service`: CRIU's daemon; --status-fd says when it listens. */
TEST(service_connections)
{
	char sock[128], fdarg[16], ready = 1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int p[2];
	pid_t svc;

	snprintf(sock, sizeof(sock), "%s/criu_service.socket", tmpdir);
	ASSERT_OK(pipe(p));
	svc = fork();
	if (svc == 0) {
		close(p[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		setenv("HOME", tmpdir, 1);
		execl(crisp, crisp, "service", "--address", sock, "--status-fd", fdarg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ASSERT_EQ(read(p[0], &ready, 1), 1);
	ASSERT_EQ(ready, 0);
	close(p[0]);
	strcpy(sa.sun_path, sock);
	for (int i = 0; i < 2; i++) {
		int sk = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		CriuReq req = CRIU_REQ__INIT;
		CriuResp *r;

		ASSERT_OK(connect(sk, (struct sockaddr *)&sa, sizeof(sa)));
		req.type = CRIU_REQ_TYPE__VERSION;
		r = xfer(sk, &req);
		ASSERT_TRUE(r && r->success && r->version && r->version->major_number == 4);
		criu_resp__free_unpacked(r, NULL);
		close(sk);
	}
	kill(svc, SIGTERM);
	waitpid(svc, NULL, 0);
}

static char *read_file(const char *dir, const char *name)
{
	static char buf[1 << 16];
	char p[512];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Every criu_opts field lands in the engine's options (the -v4 log lists them). */
TEST(rpc_opts_mapping)
{
	static const char *const want[] = {
		"leave-running", "tcp-established", "shell-job", "file-locks", "ext-unix-sk=77",
		"evasive-devices", "link-remap", "tcp-close", "restore-sibling",
		"skip-in-flight", "root=/r", "prev-images-dir=../parent", "external=mnt[k]:/v",
		"external=dev[d]:x", "external=mnt[]", "inherit-fd=fd[5]:pipe:[1]",
		"manage-cgroups=full", "cgroup-root=cpu:/x", "cgroup-root=/y", "skip-mnt=/m",
		"enable-fs=ext4", "join-ns=net:/p", "veth-pair=a=b", "network-lock=skip",
		"pre-dump-mode=read", "ghost-limit=2048", "timeout=7", "verbosity=4",
		"freeze-cgroup=/fz", "lsm-profile=apparmor:p", "tls-cert=c.pem", "page-server=true",
		"mntns-compat-mode", "display-stats", "tree=2147483000", NULL,
	};
	char dir[256];
	struct swrk s;
	CriuReq req = CRIU_REQ__INIT;
	CriuOpts o = CRIU_OPTS__INIT;
	ExtMountMap em = EXT_MOUNT_MAP__INIT, *ems[] = { &em };
	InheritFd ifd = INHERIT_FD__INIT, *ifds[] = { &ifd };
	UnixSk usk = UNIX_SK__INIT, *usks[] = { &usk };
	CgroupRoot cg1 = CGROUP_ROOT__INIT, cg2 = CGROUP_ROOT__INIT, *cgs[] = { &cg1, &cg2 };
	JoinNamespace jn = JOIN_NAMESPACE__INIT, *jns[] = { &jn };
	CriuVethPair vp = CRIU_VETH_PAIR__INIT, *vps[] = { &vp };
	CriuPageServerInfo ps = CRIU_PAGE_SERVER_INFO__INIT;
	char *ext[] = { "dev[d]:x" }, *skip[] = { "/m" }, *fs[] = { "ext4" };
	CriuResp *r;
	const char *log;

	snprintf(dir, sizeof(dir), "%s/map-img", tmpdir);
	mkdir(dir, 0700);
	o.images_dir = dir;
	o.log_file = "map.log";
	o.has_log_level = true, o.log_level = 4;
	o.has_pid = true, o.pid = 2147483000; /* no such process: the dump fails after logging */
#define B(f) o.has_##f = o.f = true
	B(leave_running); B(tcp_established); B(shell_job); B(file_locks); B(evasive_devices);
	B(link_remap); B(tcp_close); B(rst_sibling); B(tcp_skip_in_flight); B(auto_ext_mnt);
	B(mntns_compat_mode); B(display_stats);
#undef B
	o.root = "/r";
	o.parent_img = "../parent";
	em.key = "k", em.val = "/v";
	o.n_ext_mnt = 1, o.ext_mnt = ems;
	o.n_external = 1, o.external = ext;
	ifd.key = "pipe:[1]", ifd.fd = 5;
	o.n_inherit_fd = 1, o.inherit_fd = ifds;
	usk.inode = 77;
	o.n_unix_sk_ino = 1, o.unix_sk_ino = usks;
	o.has_manage_cgroups_mode = true, o.manage_cgroups_mode = CRIU_CG_MODE__FULL;
	cg1.ctrl = "cpu", cg1.path = "/x", cg2.path = "/y";
	o.n_cg_root = 2, o.cg_root = cgs;
	o.n_skip_mnt = 1, o.skip_mnt = skip;
	o.n_enable_fs = 1, o.enable_fs = fs;
	jn.ns = "net", jn.ns_file = "/p";
	o.n_join_ns = 1, o.join_ns = jns;
	vp.if_in = "a", vp.if_out = "b";
	o.n_veths = 1, o.veths = vps;
	o.has_network_lock = true, o.network_lock = CRIU_NETWORK_LOCK_METHOD__SKIP;
	o.has_pre_dump_mode = true, o.pre_dump_mode = CRIU_PRE_DUMP_MODE__VM_READ;
	o.has_ghost_limit = true, o.ghost_limit = 2048;
	o.has_timeout = true, o.timeout = 7;
	o.freeze_cgroup = "/fz";
	o.lsm_profile = "apparmor:p";
	o.tls_cert = "c.pem";
	o.ps = &ps;
	req.type = CRIU_REQ_TYPE__DUMP;
	req.opts = &o;
	s = swrk_start();
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r != NULL);
	ASSERT_TRUE(!r->success);
	criu_resp__free_unpacked(r, NULL);
	swrk_end(&s);
	log = read_file(dir, "map.log");
	ASSERT_TRUE(log != NULL);
	for (int i = 0; want[i]; i++) {
		char w[128];

		snprintf(w, sizeof(w), " %s ", want[i]);
		if (!strstr(log, w) && !(snprintf(w, sizeof(w), " %s\n", want[i]) && strstr(log, w)))
			FAILF("'%s' missing from the options line in map.log", want[i]);
	}
	/* the failure is the log's last line, where runc and podman look */
	ASSERT_TRUE(strstr(log, "Error: ") != NULL);
}

static pid_t start_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* only stdio: whatever the harness left open is not this test's business */
		syscall(SYS_close_range, 3, ~0U, 0);
		setsid();
		execlp("sleep", "sleep", "1000", (char *)NULL);
		_exit(127);
	}
	usleep(100 * 1000); /* let it exec */
	return pid;
}

static bool file_exists(const char *dir, const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* A client whose notify handler fails stops the dump before anything is touched. */
TEST(notify_failure_aborts)
{
	struct swrk s;
	CriuReq req = CRIU_REQ__INIT, nack = CRIU_REQ__INIT;
	CriuOpts o = CRIU_OPTS__INIT;
	CriuResp *r;
	pid_t sleeper = start_sleeper();

	o.images_dir = tmpdir;
	o.log_file = "notify.log";
	o.has_pid = true, o.pid = sleeper;
	o.has_notify_scripts = o.notify_scripts = true;
	req.type = CRIU_REQ_TYPE__DUMP;
	req.opts = &o;
	s = swrk_start();
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->type, CRIU_REQ_TYPE__NOTIFY);
	ASSERT_TRUE(r->notify && r->notify->script);
	ASSERT_STREQ(r->notify->script, "pre-dump");
	criu_resp__free_unpacked(r, NULL);
	nack.type = CRIU_REQ_TYPE__NOTIFY;
	nack.has_notify_success = true, nack.notify_success = false;
	r = xfer(s.sk, &nack);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->type, CRIU_REQ_TYPE__DUMP);
	ASSERT_TRUE(!r->success);
	ASSERT_TRUE(r->cr_errmsg && strstr(r->cr_errmsg, "'pre-dump' notify script failed"));
	criu_resp__free_unpacked(r, NULL);
	ASSERT_EQ(swrk_end(&s), 1);
	ASSERT_EQ(kill(sleeper, 0), 0); /* untouched */
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
}

/* The request's config_file comes last: it overrides the request's log_file. */
TEST(rpc_config_file_wins)
{
	char dir[256], conf[256];
	struct swrk s;
	CriuReq req = CRIU_REQ__INIT;
	CriuOpts o = CRIU_OPTS__INIT;
	CriuResp *r;
	pid_t sleeper;
	FILE *f;
	int dfd;

	snprintf(dir, sizeof(dir), "%s/cfg-img", tmpdir);
	mkdir(dir, 0700);
	snprintf(conf, sizeof(conf), "%s/runc.conf", tmpdir);
	f = fopen(conf, "w");
	ASSERT_TRUE(f != NULL);
	fputs("# like /etc/criu/runc.conf\nlog-file rpc-conf.log\nverbosity 4\nleave-running\n", f);
	fclose(f);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_TRUE(dfd >= 0);
	sleeper = start_sleeper();
	s = swrk_start();
	o.images_dir_fd = dfd; /* swrk opens it through /proc/<our pid>/fd */
	o.log_file = "dump.log";
	o.has_pid = true;
	o.pid = sleeper;
	o.config_file = conf;
	req.type = CRIU_REQ_TYPE__DUMP;
	req.opts = &o;
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r != NULL);
	criu_resp__free_unpacked(r, NULL);
	swrk_end(&s);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	close(dfd);
	ASSERT_TRUE(file_exists(dir, "rpc-conf.log"));
	ASSERT_TRUE(!file_exists(dir, "dump.log"));

	/* a missing config_file (runc always sends one) is not an error; an
	 * empty images dir, so that nothing gets restored */
	snprintf(dir, sizeof(dir), "%s/cfg-empty", tmpdir);
	mkdir(dir, 0700);
	o.config_file = "/nonexistent/runc.conf";
	o.has_pid = false;
	o.images_dir_fd = -1;
	o.images_dir = dir;
	o.log_file = "second.log";
	s = swrk_start();
	req.type = CRIU_REQ_TYPE__RESTORE;
	r = xfer(s.sk, &req);
	ASSERT_TRUE(r != NULL);
	if (r->cr_errmsg && strstr(r->cr_errmsg, "runc.conf"))
		FAILF("missing config_file reported: %s", r->cr_errmsg);
	ASSERT_TRUE(!r->success);
	criu_resp__free_unpacked(r, NULL);
	swrk_end(&s);
	ASSERT_TRUE(file_exists(dir, "second.log"));
}

static void show_log(const char *dir, const char *name)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "tail -n 20 '%s/%s' >&2", dir, name);
	if (system(cmd) != 0)
		fprintf(stderr, "(no log)\n");
}

/*
 * RESTORE as runc does it: notify_scripts on, the pid comes back in
 * "post-restore" and in the response; we are the child subreaper that
 * ends up reaping the tree.  Returns 0 pass, 1 fail.
 */
static int restore_test(const char *dir, int dfd, pid_t old)
{
	struct swrk s = swrk_start();
	CriuReq req = CRIU_REQ__INIT, ack = CRIU_REQ__INIT;
	CriuOpts o = CRIU_OPTS__INIT;
	CriuResp *r;
	pid_t notified = 0;
	bool saw_pre = false;
	char path[64], comm[64] = "";
	FILE *f = NULL;
	int ret = 1;

	o.images_dir_fd = dfd;
	o.log_file = "restore.log";
	o.has_notify_scripts = o.notify_scripts = true;
	req.type = CRIU_REQ_TYPE__RESTORE;
	req.opts = &o;
	ack.type = CRIU_REQ_TYPE__NOTIFY;
	ack.has_notify_success = ack.notify_success = true;
	send_req(s.sk, &req);
	while ((r = recv_resp(s.sk)) && r->type == CRIU_REQ_TYPE__NOTIFY) {
		if (r->notify && r->notify->script) {
			saw_pre |= !strcmp(r->notify->script, "pre-restore");
			if (!strcmp(r->notify->script, "post-restore") && r->notify->has_pid)
				notified = r->notify->pid;
		}
		criu_resp__free_unpacked(r, NULL);
		send_req(s.sk, &ack);
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)old);
	if (!r) {
		fprintf(stderr, "FAIL: no RESTORE response\n");
	} else if (!r->success) {
		fprintf(stderr, "FAIL: restore failed: errno %d: %s\n", r->cr_errno,
			r->cr_errmsg ? r->cr_errmsg : "?");
		show_log(dir, "restore.log");
	} else if (r->type != CRIU_REQ_TYPE__RESTORE || !r->restore || r->restore->pid != old) {
		fprintf(stderr, "FAIL: restore response type %d pid %d (want %d)\n", r->type,
			r->restore ? r->restore->pid : -1, (int)old);
	} else if (!saw_pre || notified != old) {
		fprintf(stderr, "FAIL: pre-restore %d, post-restore pid %d\n", saw_pre, (int)notified);
	} else if (!(f = fopen(path, "r")) || !fgets(comm, sizeof(comm), f) ||
		   strcmp(comm, "sleep\n")) {
		fprintf(stderr, "FAIL: restored task %d is not a sleep ('%s')\n", (int)old, comm);
	} else {
		printf("ok   rpc restore of it, same pid, post-restore notified\n");
		ret = 0;
	}
	if (f)
		fclose(f);
	if (r)
		criu_resp__free_unpacked(r, NULL);
	swrk_end(&s);
	kill(old, SIGKILL);
	waitpid(old, NULL, 0); /* ours: we are the subreaper */
	return ret;
}

/* Returns 0 pass, 1 fail, 77 skip. */
static int dump_test(void)
{
	char dir[256];
	struct swrk s;
	CriuReq req = CRIU_REQ__INIT, ack = CRIU_REQ__INIT;
	CriuOpts o = CRIU_OPTS__INIT;
	CriuResp *r;
	bool saw_pre = false, saw_post = false;
	pid_t sleeper;
	int dfd, st, ret = 1;

	if (geteuid() != 0) {
		fprintf(stderr, "skip: dumping needs root\n");
		return 77;
	}
	snprintf(dir, sizeof(dir), "%s/dump-img", tmpdir);
	mkdir(dir, 0700);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	sleeper = start_sleeper();
	s = swrk_start();
	o.images_dir_fd = dfd;
	o.log_file = "dump.log";
	o.has_log_level = true;
	o.log_level = 4;
	o.has_pid = true;
	o.pid = sleeper;
	o.has_notify_scripts = o.notify_scripts = true;
	req.type = CRIU_REQ_TYPE__DUMP;
	req.opts = &o;
	ack.type = CRIU_REQ_TYPE__NOTIFY;
	ack.has_notify_success = ack.notify_success = true;
	send_req(s.sk, &req);
	while ((r = recv_resp(s.sk)) && r->type == CRIU_REQ_TYPE__NOTIFY) {
		if (r->notify && r->notify->script) {
			saw_pre |= !strcmp(r->notify->script, "pre-dump");
			saw_post |= !strcmp(r->notify->script, "post-dump");
		}
		criu_resp__free_unpacked(r, NULL);
		send_req(s.sk, &ack);
	}
	if (!r) {
		fprintf(stderr, "FAIL: no DUMP response\n");
	} else if (!r->success && r->cr_errno == ENOSYS) {
		fprintf(stderr, "skip: the engine core cannot dump yet: %s\n", r->cr_errmsg);
		ret = 77;
	} else if (!r->success) {
		fprintf(stderr, "FAIL: dump failed: errno %d: %s\n", r->cr_errno,
			r->cr_errmsg ? r->cr_errmsg : "?");
		show_log(dir, "dump.log");
	} else if (r->type != CRIU_REQ_TYPE__DUMP || !saw_pre || !saw_post) {
		fprintf(stderr, "FAIL: type %d, pre-dump %d, post-dump %d\n", r->type, saw_pre, saw_post);
	} else if (!file_exists(dir, "pstree.img") || !file_exists(dir, "dump.log")) {
		fprintf(stderr, "FAIL: no pstree.img or dump.log in %s\n", dir);
	} else if (waitpid(sleeper, &st, 0) != sleeper || !WIFSIGNALED(st)) {
		fprintf(stderr, "FAIL: the dumped process was not killed (CRIU's default)\n");
	} else {
		printf("ok   rpc dump of a sleeping process\n");
		ret = restore_test(dir, dfd, sleeper);
		sleeper = -1;
	}
	if (r)
		criu_resp__free_unpacked(r, NULL);
	swrk_end(&s);
	if (sleeper > 0) {
		kill(sleeper, SIGKILL);
		waitpid(sleeper, NULL, 0);
	}
	close(dfd);
	return ret;
}

int main(int argc, char **argv)
{
	int bad = 0;
	char cmd[128];

	if (argc != 3) {
		fprintf(stderr, "usage: %s CRISP basic|dump\n", argv[0]);
		return 2;
	}
	crisp = argv[1];
	strcpy(tmpdir, "/tmp/crisp-rpc-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[2], "dump")) {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		bad = dump_test();
	} else {
		for (int i = 0; i < test_count; i++) {
			int failed = 0;

			test_cases[i].fn(&failed);
			printf("%s %s\n", failed ? "FAIL" : "ok  ", test_cases[i].name);
			bad |= failed;
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return bad;
}
