// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit stats DIR: stats-dump and stats-restore in readable units. */
#include <getopt.h>
#include <stdio.h>

#include "cleanup.h"
#include "crit.h"
#include "crit-out.h"
#include "inspect.h"

enum unit { U_USEC, U_PAGES, U_COUNT };

struct row {
	const char *label, *key;
	enum unit unit;
	bool has; /* the field is optional and set */
	uint64_t v;
};

static const char *fmt(const struct row *r, char *buf, size_t sz)
{
	char b[32];

	switch (r->unit) {
	case U_USEC:
		if (r->v < 1000)
			snprintf(buf, sz, "%llu us", (unsigned long long)r->v);
		else if (r->v < 1000000)
			snprintf(buf, sz, "%.2f ms", r->v / 1e3);
		else
			snprintf(buf, sz, "%.3f s", r->v / 1e6);
		break;
	case U_PAGES:
		snprintf(buf, sz, "%llu (%s)", (unsigned long long)r->v,
			 crit_size(r->v * INS_PAGE_SIZE, b, sizeof(b)));
		break;
	case U_COUNT:
		snprintf(buf, sz, "%llu", (unsigned long long)r->v);
		break;
	}
	return buf;
}

#define ROW(l, k, u, present, val) { l, k, u, present, val }

static size_t dump_rows(const DumpStatsEntry *d, struct row *r)
{
	struct row v[] = {
		ROW("freezing time", "freezing_time_us", U_USEC, true, d->freezing_time),
		ROW("frozen time", "frozen_time_us", U_USEC, true, d->frozen_time),
		ROW("memory dump time", "memdump_time_us", U_USEC, true, d->memdump_time),
		ROW("memory write time", "memwrite_time_us", U_USEC, true, d->memwrite_time),
		ROW("irmap resolve time", "irmap_resolve_us", U_USEC, d->has_irmap_resolve, d->irmap_resolve),
		ROW("pages scanned", "pages_scanned", U_PAGES, true, d->pages_scanned),
		ROW("pages skipped (in parent)", "pages_skipped_parent", U_PAGES, true, d->pages_skipped_parent),
		ROW("pages written", "pages_written", U_PAGES, true, d->pages_written),
		ROW("pages lazy", "pages_lazy", U_PAGES, true, d->pages_lazy),
		ROW("page pipes", "page_pipes", U_COUNT, d->has_page_pipes, d->page_pipes),
		ROW("page pipe buffers", "page_pipe_bufs", U_COUNT, d->has_page_pipe_bufs, d->page_pipe_bufs),
		ROW("shmem pages scanned", "shpages_scanned", U_PAGES, d->has_shpages_scanned, d->shpages_scanned),
		ROW("shmem pages skipped (in parent)", "shpages_skipped_parent", U_PAGES,
		    d->has_shpages_skipped_parent, d->shpages_skipped_parent),
		ROW("shmem pages written", "shpages_written", U_PAGES, d->has_shpages_written, d->shpages_written),
	};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		r[i] = v[i];
	return ARRAY_SIZE(v);
}

static size_t restore_rows(const RestoreStatsEntry *d, struct row *r)
{
	struct row v[] = {
		ROW("forking time", "forking_time_us", U_USEC, true, d->forking_time),
		ROW("restore time", "restore_time_us", U_USEC, true, d->restore_time),
		ROW("pages compared", "pages_compared", U_PAGES, true, d->pages_compared),
		ROW("pages skipped (COW)", "pages_skipped_cow", U_PAGES, true, d->pages_skipped_cow),
		ROW("pages restored", "pages_restored", U_PAGES, d->has_pages_restored, d->pages_restored),
	};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		r[i] = v[i];
	return ARRAY_SIZE(v);
}

static void print_text(const char *title, const struct row *r, size_t n)
{
	char buf[64];

	printf("%s\n", title);
	for (size_t i = 0; i < n; i++)
		if (r[i].has)
			printf("  %-32s %s\n", r[i].label, fmt(&r[i], buf, sizeof(buf)));
}

static json_t *to_json(const struct row *r, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		if (r[i].has)
			json_object_set_new(o, r[i].key, json_integer(r[i].v));
	return o;
}


static int run_stats(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	struct ins_ckpt *c = NULL;
	struct ins_stats s;
	struct row rows[2][16];
	size_t n[2] = { 0, 0 };
	bool json = false;
	int r;

	r = crit_parse_json_args(self, argc, argv, 1, &json);
	if (r != 0)
		return r > 0 ? 0 : CRIT_EXIT_USAGE;
	r = crit_open_ckpt(argv[optind], &c, err);
	if (r < 0)
		return r;
	r = ins_stats(c, &s, err);
	if (r < 0) {
		cr_err_wrap(err, "%s", argv[optind]);
		goto out;
	}
	if (!s.dump && !s.restore) {
		r = cr_err(err, -ENOENT, "'%s': no stats-dump or stats-restore", argv[optind]);
		goto out;
	}
	if (s.dump && s.dump->dump)
		n[0] = dump_rows(s.dump->dump, rows[0]);
	if (s.restore && s.restore->restore)
		n[1] = restore_rows(s.restore->restore, rows[1]);
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "dump", n[0] ? to_json(rows[0], n[0]) : json_null());
		json_object_set_new(o, "restore", n[1] ? to_json(rows[1], n[1]) : json_null());
		r = crit_json_print(stdout, o, err);
		json_decref(o);
	} else {
		if (n[0])
			print_text("dump (stats-dump):", rows[0], n[0]);
		if (n[1])
			print_text("restore (stats-restore):", rows[1], n[1]);
		r = crit_out_end(stdout, err);
	}
	ins_stats_clear(&s);
out:
	ins_ckpt_free(c);
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_stats = {
	.name = "stats",
	.run = run_stats,
	.args = "[--json] DIR",
	.help = "show dump/restore statistics in readable units",
};
