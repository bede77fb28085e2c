// SPDX-License-Identifier: LGPL-2.1-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "io.h"
#include "xalloc.h"

/* Config files are a few lines; anything this big is not one. */
#define CONFIG_MAX_SIZE (1U << 20)

void crisp_config_paths_default(struct crisp_config_paths *p)
{
	p->global = CRISP_GLOBAL_CONFIG;
	p->home = getenv("HOME");
	p->env_file = getenv("CRIU_CONFIG_FILE");
	if (p->env_file && !*p->env_file)
		p->env_file = NULL;
}

void crisp_config_release(struct crisp_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_entries; i++) {
		free(c->entries[i].name);
		free(c->entries[i].arg);
	}
	free(c->entries);
	free(c->path);
	c->entries = NULL;
	c->n_entries = 0;
	c->path = NULL;
}

/* One word of a line: bare (up to blank) or double-quoted with \" and \\ escapes. */
static int read_word(const char **pp, const char *end, char **ret, bool *ret_quoted)
{
	const char *p = *pp;
	char *out = xmalloc(end - p + 1);
	size_t n = 0;

	*ret_quoted = false;
	if (*p == '"') {
		*ret_quoted = true;
		for (p++;; p++) {
			if (p >= end) {
				free(out);
				return -EINVAL;
			}
			if (*p == '"')
				break;
			if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
				p++;
			out[n++] = *p;
		}
		p++;
		/* "abc"def is not one word: a quoted argument ends at a blank. */
		if (p < end && !isspace((unsigned char)*p)) {
			free(out);
			return -EILSEQ;
		}
	} else {
		while (p < end && !isspace((unsigned char)*p))
			out[n++] = *p++;
	}
	out[n] = 0;
	*pp = p;
	*ret = out;
	return 0;
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static int parse_name(const char *path, unsigned line, char *word, struct crisp_config_entry *e,
		      struct cr_error **err)
{
	char *eq;

	if (word[0] == '-')
		return cr_err(err, -EINVAL,
			      "'%s': line %u: '%s': write the option without leading dashes", path,
			      line, word);
	eq = strchr(word, '=');
	if (eq) {
		*eq = 0;
		e->arg = xstrdup(eq + 1);
	}
	if (!*word)
		return cr_err(err, -EINVAL, "'%s': line %u: missing option name before '='", path,
			      line);
	e->name = xstrdup(word);
	return 0;
}

/* Parse one line into *e; returns 1 when the line holds an option, 0 when blank. */
static int parse_line(const char *path, unsigned line, const char *p, const char *end,
		      struct crisp_config_entry *e, struct cr_error **err)
{
	_cleanup_free_ char *word = NULL;
	bool quoted;
	int r;

	memset(e, 0, sizeof(*e));
	e->line = line;
	p = skip_blank(p, end);
	if (p >= end || *p == '#')
		return 0;
	if (*p == '"')
		return cr_err(err, -EINVAL, "'%s': line %u: an option name cannot be quoted", path,
			      line);
	read_word(&p, end, &word, &quoted);
	r = parse_name(path, line, word, e, err);
	if (r < 0)
		return r;
	p = skip_blank(p, end);
	if (p >= end || *p == '#')
		return 1;
	if (e->arg)
		return cr_err(err, -EINVAL, "'%s': line %u: option '%s' has more than one argument",
			      path, line, e->name);
	r = read_word(&p, end, &e->arg, &quoted);
	if (r == -EINVAL)
		return cr_err(err, r, "'%s': line %u: unterminated quoted string", path, line);
	if (r == -EILSEQ)
		return cr_err(err, -EINVAL, "'%s': line %u: text right after a closing quote",
			      path, line);
	p = skip_blank(p, end);
	if (p < end && *p != '#')
		return cr_err(err, -EINVAL, "'%s': line %u: option '%s' has more than one argument",
			      path, line, e->name);
	return 1;
}

int crisp_config_parse_buf(const char *path, const char *buf, size_t len,
			   struct crisp_config *ret, struct cr_error **err)
{
	struct crisp_config c = { .path = xstrdup(path) };
	const char *p = buf, *end = buf + len;
	unsigned line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		struct crisp_config_entry e;
		int r;

		if (!eol)
			eol = end;
		line++;
		if (memchr(p, 0, eol - p)) {
			crisp_config_release(&c);
			return cr_err(err, -EINVAL, "'%s': line %u: NUL byte in a config file",
				      path, line);
		}
		r = parse_line(path, line, p, eol, &e, err);
		if (r < 0) {
			free(e.name);
			free(e.arg);
			crisp_config_release(&c);
			return r;
		}
		if (r > 0) {
			c.entries = xrealloc(c.entries, (c.n_entries + 1) * sizeof(*c.entries));
			c.entries[c.n_entries++] = e;
		}
		p = eol + 1;
	}
	*ret = c;
	return 0;
}

int crisp_config_load(const char *path, struct crisp_config *ret, struct cr_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = io_read_file_at(AT_FDCWD, path, CONFIG_MAX_SIZE, &buf, &len, err);
	if (r < 0)
		return r;
	return crisp_config_parse_buf(path, buf, len, ret, err);
}

int crisp_config_apply(struct crisp_opts *o, const struct crisp_config *c,
		       struct cr_error **err)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct crisp_config_entry *e = &c->entries[i];
		_cleanup_free_ char *where = xasprintf("'%s': line %u", c->path, e->line);
		int r;

		r = crisp_cli_set_option(o, e->name, e->arg, where, err);
		if (r < 0)
			return r;
	}
	return 0;
}

size_t crisp_config_files(const struct crisp_config_paths *p, const char *cfg_file,
			  bool no_default, struct crisp_config_file out[4])
{
	size_t n = 0;

	/* --config FILE replaces the two default files, as in CRIU. */
	if (cfg_file)
		no_default = true;
	if (!no_default && p->global)
		out[n++] = (struct crisp_config_file){ xstrdup(p->global), false };
	if (!no_default && p->home)
		out[n++] = (struct crisp_config_file){
			xasprintf("%s/%s", p->home, CRISP_USER_CONFIG), false };
	if (p->env_file)
		out[n++] = (struct crisp_config_file){ xstrdup(p->env_file), true };
	if (cfg_file)
		out[n++] = (struct crisp_config_file){ xstrdup(cfg_file), true };
	return n;
}

int crisp_config_load_all(struct crisp_opts *o, const struct crisp_config_paths *p,
			  const char *cfg_file, bool no_default, struct cr_error **err)
{
	struct crisp_config_file files[4];
	struct crisp_config cfgs[4] = {};
	size_t n = crisp_config_files(p, cfg_file, no_default, files);
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		r = crisp_config_load(files[i].path, &cfgs[i], err);
		if (r == -ENOENT && !files[i].must_exist) {
			cr_err_free(err);
			r = 0;
		}
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		r = crisp_config_apply(o, &cfgs[i], err);
	for (size_t i = 0; i < n; i++) {
		crisp_config_release(&cfgs[i]);
		free(files[i].path);
	}
	return r;
}
