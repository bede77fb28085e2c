// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit search DIR PATTERN [--regex] [--pid P] [--context N] [--max N] [--json]. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crit.h"
#include "crit-out.h"
#include "inspect.h"

static void ctx_str(const struct ins_match *m, char *out, size_t sz)
{
	size_t w = 0;

	for (size_t i = 0; i < m->ctx_len && w + 5 < sz; i++) {
		uint8_t ch = m->ctx[i];
		if (ch >= 32 && ch < 127 && ch != '\\')
			out[w++] = ch;
		else
			w += snprintf(out + w, sz - w, "\\x%02x", ch);
	}
	out[w] = 0;
}

static const char *vma_name(const struct ins_mms *mms, const struct ins_match *m, char *buf,
			    size_t sz)
{
	for (size_t i = 0; i < mms->n; i++) {
		const struct ins_task_mm *t = &mms->tasks[i];
		if (t->pid != m->pid)
			continue;
		if (m->vma >= t->n)
			return "(no vma)";
		const struct ins_vma *v = &t->vmas[m->vma];
		snprintf(buf, sz, "%llx-%llx %s", (unsigned long long)v->start,
			 (unsigned long long)v->end,
			 v->name ? v->name : v->kind == INS_VMA_K_STACK || v->kind == INS_VMA_K_STACK_GUESS ?
			 "[stack]" : v->kind == INS_VMA_K_VDSO ? "[vdso]" : "[anon]");
		return buf;
	}
	return "(no vma)";
}

static int run_search(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "regex", no_argument, NULL, 'E' },
		{ "pid", required_argument, NULL, 'p' },
		{ "context", required_argument, NULL, 'C' },
		{ "max", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ins_search_opts o = { .context = 16 };
	struct ins_ckpt *c = NULL;
	struct ins_matches *res = NULL;
	struct ins_mms *mms = NULL;
	bool json = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "Ep:C:m:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'E': o.regex = true; break;
		case 'p': o.pid = strtoul(optarg, NULL, 0); break;
		case 'C': o.context = strtoul(optarg, NULL, 0); break;
		case 'm': o.max_matches = strtoul(optarg, NULL, 0); break;
		case 'j': json = true; break;
		case 'h': crit_usage(self); return 0;
		default: return CRIT_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: crit %s %s\n", self->name, self->args);
		return CRIT_EXIT_USAGE;
	}
	if (o.context > 4096)
		o.context = 4096;
	o.pattern = argv[optind + 1];
	o.pattern_len = strlen(argv[optind + 1]);
	r = crit_open_ckpt(argv[optind], &c, err);
	if (r < 0)
		return r;
	r = ins_search(c, &o, &res, err);
	if (r >= 0)
		r = ins_mems(c, &mms, err);
	if (r < 0)
		goto out;
	crit_out_begin(stdout);
	json_t *a = json ? json_array() : NULL;
	for (size_t i = 0; i < res->n; i++) {
		const struct ins_match *m = &res->m[i];
		char vb[512], cb[4096 * 4 * 2 + 64];

		ctx_str(m, cb, sizeof(cb));
		vma_name(mms, m, vb, sizeof(vb));
		if (!json) {
			printf("%u %llx %s: %s\n", m->pid, (unsigned long long)m->vaddr, vb, cb);
			continue;
		}
		json_t *e = json_object();
		json_object_set_new(e, "pid", json_integer(m->pid));
		json_object_set_new(e, "vaddr", crit_json_hex(m->vaddr));
		json_object_set_new(e, "vma", json_string(vb));
		json_object_set_new(e, "length", json_integer(m->len));
		json_object_set_new(e, "context", json_string(cb));
		json_array_append_new(a, e);
	}
	if (json) {
		r = crit_json_print(stdout, a, err);
		json_decref(a);
	} else {
		if (res->truncated)
			printf("(stopped after %zu matches: --max)\n", res->n);
		r = crit_out_end(stdout, err);
	}
	/* grep's convention: 1 when nothing matched */
	if (r >= 0 && res->n == 0)
		r = 1;
out:
	ins_matches_free(res);
	ins_mms_free(mms);
	ins_ckpt_free(c);
	return r;
}

const struct crit_cmd crit_cmd_search = {
	.name = "search",
	.run = run_search,
	.args = "DIR PATTERN [--regex] [--pid PID] [--context N] [--max N] [--json]",
	.help = "find a string in the dumped memory of the tasks (address and VMA)",
};
