/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Everything a dump or restore is asked to do, filled from the command
 * line, CRIU's config files or an RPC request.  Passed down explicitly:
 * there is no global options struct.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cr_error;

enum crisp_cmd { CRISP_CMD_NONE, CRISP_CMD_DUMP, CRISP_CMD_PRE_DUMP, CRISP_CMD_RESTORE,
		 CRISP_CMD_CHECK, CRISP_CMD_SWRK, CRISP_CMD_SERVICE, CRISP_CMD_CPUINFO };

struct crisp_kv {
	char *key, *val;
};

struct crisp_opts {
	enum crisp_cmd cmd;
	pid_t tree;           /* -t/--tree */
	char *images_dir;     /* -D/--images-dir (default ".") */
	int images_dirfd;     /* RPC: images_dir_fd, else -1 */
	char *work_dir;       /* -W/--work-dir (default: images dir) */
	char *log_file;       /* -o/--log-file, relative to the work dir */
	int log_level;        /* -v[N], default 2 */
	char *pidfile;        /* --pidfile, relative to the work dir unless absolute */
	char *root;           /* -r/--root */
	char *prev_images_dir; /* --prev-images-dir */
	char *config_file;    /* --config */
	bool no_default_config;
	bool leave_running;   /* -R/--leave-running */
	bool leave_stopped;   /* -s/--leave-stopped */
	bool shell_job;       /* -j/--shell-job */
	bool restore_detached; /* -d/--restore-detached */
	bool restore_sibling;
	bool tcp_established;
	bool tcp_close;
	bool ext_unix_sk;
	bool file_locks;
	bool track_mem;
	bool display_stats;
	bool link_remap;
	bool evasive_devices;
	bool manage_cgroups;
	bool auto_dedup;
	bool lazy_pages;
	bool skip_in_flight;
	bool unprivileged;
	int timeout;          /* --timeout seconds, 0 = none */
	unsigned long ghost_limit; /* --ghost-limit bytes */
	char *pre_dump_mode;  /* "splice" | "read" */
	char *cgroup_manage_mode;
	char *network_lock;
	char *lsm_profile;
	char *feature;        /* check --feature NAME */
	char *status_fd_path;
	int status_fd;        /* --status-fd, -1 */
	char *archive;        /* crisp dump/restore --archive FILE */
	/* repeatable options */
	char **externals; size_t n_externals;     /* --external, --ext-mount-map */
	char **inherit_fds; size_t n_inherit_fds; /* --inherit-fd fd[N]:KEY */
	char **ext_unix; size_t n_ext_unix;
	char **skip_mnt; size_t n_skip_mnt;
	char **enable_fs; size_t n_enable_fs;
	/* accepted for compatibility, recorded, not acted on */
	struct crisp_kv *ignored; size_t n_ignored;
	int rpc_fd;           /* swrk: the RPC socket, -1 */

	/* added by the front end (cli.c/config.c/rpc.c) */
	int work_dirfd;       /* RPC: work_dir_fd, else -1 */
	bool log_pid;         /* --log-pid */
	bool notify_scripts;  /* RPC notify_scripts */
	bool orphan_pts_master; /* RPC orphan_pts_master */
	bool mntns_compat_mode;
	bool ext_sharing;     /* --enable-external-sharing */
	bool ext_masters;     /* --enable-external-masters */
	bool weak_sysctls;
	bool force_irmap;
	bool stream;
	bool check_extra;     /* check --extra / --all */
	bool check_experimental; /* check --experimental / --all */
	bool rpc_mode;        /* driven by swrk/service, not the command line */
	char *freeze_cgroup;  /* --freeze-cgroup */
	char *address;        /* service: --address SOCKET, default /var/run/criu_service.socket */
	char *cgroup_props, *cgroup_props_file, *cgroup_yard;
	char **cgroup_roots; size_t n_cgroup_roots; /* --cgroup-root [ctl:]path */
	char **irmap_scan_paths; size_t n_irmap_scan_paths;
	char **join_ns; size_t n_join_ns;
	char **veth_pairs; size_t n_veth_pairs;
	char **action_scripts; size_t n_action_scripts;
	/*
	 * Notifications for RPC clients (notify_scripts) and --action-script:
	 * the core calls notify(notify_ctx, "post-dump", pid, err) at CRIU's
	 * points when notify is not NULL; a negative return aborts.
	 */
	int (*notify)(void *ctx, const char *script, pid_t pid, struct cr_error **err);
	/*
	 * The same for notifications that carry a descriptor to the client
	 * ("orphan-pts-master": the pty master of a --shell-job tree when
	 * orphan_pts_master is set); NULL when nobody listens.
	 */
	int (*notify_fd)(void *ctx, const char *script, int fd, struct cr_error **err);
	void *notify_ctx;
};

void crisp_opts_init(struct crisp_opts *o);
void crisp_opts_release(struct crisp_opts *o);
