// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit rename DIR [--path OLD=NEW]... [--hostname NAME] [--ip OLD=NEW]... [--port OLD=NEW]... */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert.h"
#include "crit.h"
#include "xalloc.h"

struct maps {
	struct cvt_map *v;
	size_t n, cap;
};

static int add_map(struct maps *m, const char *opt, char *arg, struct cr_error **err)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1])
		return cr_err(err, -EINVAL, "--%s '%s': expected OLD=NEW", opt, arg);
	*eq = '\0';
	m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof(*m->v));
	m->v[m->n++] = (struct cvt_map){ arg, eq + 1 };
	return 0;
}

static void print_change(const struct cvt_change *c, void *opaque)
{
	printf("%s: entry %zu: %s: '%s' -> '%s'\n", c->file, c->entry, c->field, c->old_value,
	       c->new_value);
}

static int run_rename(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "path", required_argument, NULL, 'p' },   { "hostname", required_argument, NULL, 'H' },
		{ "ip", required_argument, NULL, 'i' },	    { "port", required_argument, NULL, 'P' },
		{ "dry-run", no_argument, NULL, 'n' },	    { "help", no_argument, NULL, 'h' },
		{},
	};
	struct maps paths = { 0 }, ips = { 0 }, ports = { 0 };
	struct cvt_rename_opts o = { .change = print_change };
	_cleanup_close_ int dfd = -1;
	unsigned changes = 0;
	int ch, r = 0;

	optind = 1;
	opterr = 0;
	while (r >= 0 && (ch = getopt_long(argc, argv, "p:H:i:P:nh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			r = add_map(&paths, "path", optarg, err);
			break;
		case 'i':
			r = add_map(&ips, "ip", optarg, err);
			break;
		case 'P':
			r = add_map(&ports, "port", optarg, err);
			break;
		case 'H':
			o.hostname = optarg;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'h':
			crit_usage(self);
			goto out;
		default:
			r = cr_err(err, -EINVAL, "unrecognized option '%s' (usage: crit %s %s)",
				   argv[optind - 1], self->name, self->args);
		}
	}
	if (r >= 0 && argc - optind != 1)
		r = cr_err(err, -EINVAL, "expected DIR (usage: crit %s %s)", self->name, self->args);
	if (r >= 0 && !paths.n && !ips.n && !ports.n && !o.hostname)
		r = cr_err(err, -EINVAL, "nothing to change (give --path, --hostname, --ip or --port)");
	if (r < 0)
		goto out;
	dfd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = cr_err_sys(err, -errno, "'%s': cannot open directory", argv[optind]);
		goto out;
	}
	o.paths = paths.v, o.n_paths = paths.n;
	o.ips = ips.v, o.n_ips = ips.n;
	o.ports = ports.v, o.n_ports = ports.n;
	r = cvt_rename_at(dfd, argv[optind], &o, &changes, err);
	if (r >= 0)
		printf("%u change(s)%s\n", changes, o.dry_run ? " (dry run: nothing written)" : "");
out:
	free(paths.v);
	free(ips.v);
	free(ports.v);
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_rename = {
	.name = "rename",
	.run = run_rename,
	.args = "DIR [--path OLD=NEW]... [--hostname NAME] [--ip OLD=NEW]... [--port OLD=NEW]... [--dry-run]",
	.help = "retarget a checkpoint: rewrite paths, hostname, addresses and listen ports",
};
