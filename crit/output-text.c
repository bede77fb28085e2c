// SPDX-License-Identifier: LGPL-2.1-or-later
/* Small printers for the inspect commands: sizes, flags, JSON, hexdump. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crimg.h"
#include "crit-out.h"

int crit_out_begin(FILE *f)
{
	return setvbuf(f, NULL, _IOFBF, 1 << 16) ? -errno : 0;
}

int crit_out_end(FILE *f, struct cr_error **err)
{
	if (fflush(f) || ferror(f))
		return cr_err_sys(err, errno ? -errno : -EIO, "writing output");
	return 0;
}

int crit_json_print(FILE *f, const json_t *j, struct cr_error **err)
{
	char *s = img_json_dumps(j, 4);

	if (!s)
		return cr_err(err, -ENOMEM, "cannot format JSON");
	fputs(s, f);
	fputc('\n', f);
	free(s);
	return crit_out_end(f, err);
}

json_t *crit_json_hex(uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	return json_string(b);
}

const char *crit_task_state_name(uint32_t state)
{
	switch (state) {
	case 1:
		return "Alive";
	case 2:
		return "Dead";
	case 3:
		return "Stopped";
	case 4:
		return "Helper";
	case 5:
		return "Thread";
	case 6:
		return "Zombie";
	case 0:
		return "unknown";
	default:
		return "other";
	}
}

const char *crit_pe_flags(uint32_t flags)
{
	static const char *const names[8] = {
		"", "PE_PARENT", "PE_LAZY", "PE_PARENT | PE_LAZY", "PE_PRESENT",
		"PE_PARENT | PE_PRESENT", "PE_LAZY | PE_PRESENT", "PE_PARENT | PE_LAZY | PE_PRESENT",
	};

	return flags < 8 ? names[flags] : "other";
}

const char *crit_size(uint64_t bytes, char *buf, size_t sz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = bytes;
	unsigned u = 0;

	if (bytes < 1024) {
		snprintf(buf, sz, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, sz, "%.1f %s", v, units[u]);
	return buf;
}

void crit_hexdump(FILE *f, uint64_t addr, const uint8_t *buf, size_t len, bool fold)
{
	bool starred = false;

	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		if (fold && off >= 16 && n == 16 && !memcmp(buf + off, buf + off - 16, 16)) {
			if (!starred)
				fputs("*\n", f);
			starred = true;
			continue;
		}
		starred = false;
		fprintf(f, "%016llx ", (unsigned long long)(addr + off));
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', f);
			if (i < n)
				fprintf(f, " %02x", buf[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (size_t i = 0; i < n; i++)
			fputc(buf[off + i] >= 32 && buf[off + i] < 127 ? buf[off + i] : '.', f);
		fputs("|\n", f);
	}
	fprintf(f, "%016llx\n", (unsigned long long)(addr + len));
}
