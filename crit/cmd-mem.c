// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit mem DIR PID [--addr A [--len N]] [--raw] [--no-fold]: a task's memory
 * as a hexdump with ASCII (repeated lines folded to "*"), from pagemap and
 * pages, through parent directories of incremental dumps.  Without --addr,
 * every dumped range is shown.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "crit.h"
#include "crit-out.h"
#include "inspect.h"
#include "xalloc.h"

#define MAX_LEN (1ull << 30) /* one --len at most */
#define BLOCK (1u << 20)

static int parse_u64(const char *s, const char *what, uint64_t *ret, struct cr_error **err)
{
	char *end;

	errno = 0;
	*ret = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return cr_err(err, -EINVAL, "bad %s '%s'", what, s);
	return 0;
}

/* Dump [addr, addr+len) in blocks; fold across blocks is kept per block. */
static int dump_range(struct ins_mem *m, uint64_t addr, uint64_t len, bool raw, bool fold,
		      struct cr_error **err)
{
	_cleanup_free_ uint8_t *buf = xmalloc(len < BLOCK ? len + 1 : BLOCK);
	int r;

	for (uint64_t off = 0; off < len; off += BLOCK) {
		size_t n = len - off < BLOCK ? len - off : BLOCK;

		r = ins_mem_read(m, addr + off, buf, n, NULL, err);
		if (r < 0)
			return r;
		if (raw) {
			if (fwrite(buf, 1, n, stdout) != n)
				return cr_err_sys(err, -errno, "writing output");
		} else {
			crit_hexdump(stdout, addr + off, buf, n, fold);
		}
	}
	return 0;
}

static int run_mem(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "len", required_argument, NULL, 'l' },
		{ "raw", no_argument, NULL, 'r' },
		{ "no-fold", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *addr_s = NULL, *len_s = NULL;
	struct ins_ckpt *c = NULL;
	struct ins_mem *m = NULL;
	bool raw = false, fold = true;
	uint64_t pid, addr = 0, len = 256;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "a:l:rFh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a': addr_s = optarg; break;
		case 'l': len_s = optarg; break;
		case 'r': raw = true; break;
		case 'F': fold = false; break;
		case 'h': crit_usage(self); return 0;
		default: return CRIT_EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || (len_s && !addr_s)) {
		fprintf(stderr, "usage: crit %s %s\n", self->name, self->args);
		return CRIT_EXIT_USAGE;
	}
	r = parse_u64(argv[optind + 1], "pid", &pid, err);
	if (r >= 0 && addr_s)
		r = parse_u64(addr_s, "address", &addr, err);
	if (r >= 0 && len_s)
		r = parse_u64(len_s, "length", &len, err);
	if (r < 0)
		return r;
	if (len > MAX_LEN)
		return cr_err(err, -EINVAL, "--len %llu: at most %llu bytes at once",
			      (unsigned long long)len, MAX_LEN);
	r = crit_open_ckpt(argv[optind], &c, err);
	if (r < 0)
		return r;
	r = ins_mem_open(c, pid, &m, err);
	if (r < 0)
		goto out;
	crit_out_begin(stdout);
	if (addr_s) {
		r = dump_range(m, addr, len, raw, fold, err);
	} else {
		size_t n;
		const struct ins_extent *x = ins_mem_extents(m, &n);

		for (size_t i = 0; i < n && r >= 0;) {
			uint64_t s = x[i].vaddr, e = s + x[i].len;
			size_t j = i + 1;
			while (j < n && x[j].vaddr == e)
				e += x[j++].len;
			if (!raw)
				printf("# %llx-%llx (%llu pages)\n", (unsigned long long)s,
				       (unsigned long long)e, (unsigned long long)((e - s) / INS_PAGE_SIZE));
			r = dump_range(m, s, e - s, raw, fold, err);
			i = j;
		}
	}
	if (r >= 0)
		r = crit_out_end(stdout, err);
out:
	ins_mem_free(m);
	ins_ckpt_free(c);
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_mem = {
	.name = "mem",
	.run = run_mem,
	.args = "DIR PID [--addr ADDR [--len N]] [--raw] [--no-fold]",
	.help = "hexdump a task's memory by address (pagemap + pages, parent dumps too)",
};
