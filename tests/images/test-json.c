// SPDX-License-Identifier: LGPL-2.1-or-later
/* protobuf <-> JSON: the pretty display rules (ipadd, flags, dict, dev,
 * hex), unsigned 64-bit values beyond INT64_MAX, and the strict checks of
 * the JSON -> protobuf direction.  Expected text is what CRIU crit 4.2
 * prints (IPv6 as Python 3.11 ipaddress.compressed). */
#include <arpa/inet.h>

#include "crimg.h"
#include "img-codec.h"
#include "test.h"

/* JSON text -> message (NULL and the error on stderr when refused). */
static ProtobufCMessage *parse(const char *text, const ProtobufCMessageDescriptor *d,
			       struct cr_error **err)
{
	json_t *j = NULL;
	ProtobufCMessage *m = NULL;

	if (img_json_loads(text, strlen(text), "test", &j, err) < 0)
		return NULL;
	if (img_json_to_msg(j, d, "", &m, err) < 0)
		m = NULL;
	json_decref(j);
	return m;
}

/* message -> compact JSON text */
static char *show(const ProtobufCMessage *m, bool pretty)
{
	json_t *j = NULL;
	struct cr_error *err = NULL;
	char *s;

	if (img_json_from_msg(m, pretty, &j, &err) < 0) {
		cr_err_free(&err);
		return strdup("(error)");
	}
	s = img_json_dumps(j, 0);
	json_decref(j);
	return s;
}

/* The text must be refused, with an error that mentions `want`. */
static int refused(const char *text, const ProtobufCMessageDescriptor *d, const char *want)
{
	struct cr_error *err = NULL;
	ProtobufCMessage *m = parse(text, d, &err);
	int ok = !m && err && strstr(err->msg, want) && !strchr(err->msg, '\n');

	if (!ok)
		fprintf(stderr, "'%s': %s\n", text, m ? "accepted" : err ? err->msg : "no error");
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
	cr_err_free(&err);
	return ok;
}

static char *ipv6_of(const char *addr)
{
	SitEntry e = SIT_ENTRY__INIT; /* sit tunnel: no required sub-messages */
	uint32_t w[4];

	inet_pton(AF_INET6, addr, w);
	e.n_local = 4;
	e.local = w;
	char *s = show(&e.base, true);
	return s;
}

TEST(ipv6_text_as_python_ipaddress)
{
	static const char *v[][2] = {
		{ "::", "::" },
		{ "::1", "::1" },
		{ "1::", "1::" },
		{ "2001:db8::1", "2001:db8::1" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "fe80::1:0:0:0", "fe80::1:0:0:0" },
		{ "0:0:1:0:0:0:0:1", "0:0:1::1" },
		{ "1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0" },
		{ "::ffff:7f00:1", "::ffff:7f00:1" },
		{ "2001:0:0:1::1", "2001:0:0:1::1" },
		{ "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0" },
		{ "0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char want[128];
		char *s = ipv6_of(v[i][0]);
		snprintf(want, sizeof(want), "\"local\": [\"%s\"]", v[i][1]);
		int same = strstr(s, want) != NULL;
		if (!same)
			fprintf(stderr, "%s: got %s\n", v[i][0], s);
		free(s);
		ASSERT_TRUE(same);
	}
}

static const char inet[] =
	"{\"id\": 1, \"ino\": 2, \"family\": \"INET6\", \"type\": \"STREAM\", \"proto\": \"TCP\","
	" \"state\": \"LISTEN\", \"src_port\": 80, \"dst_port\": 0, \"flags\": \"0x800\", \"backlog\": 5,"
	" \"src_addr\": [\"fe80::1\"], \"dst_addr\": [\"127.0.0.1\"],"
	" \"fown\": {\"uid\": 0, \"euid\": 0, \"signum\": 0, \"pid_type\": 0, \"pid\": 0},"
	" \"opts\": {\"so_sndbuf\": 1, \"so_rcvbuf\": 2, \"so_snd_tmo_sec\": 0, \"so_snd_tmo_usec\": 0,"
	" \"so_rcv_tmo_sec\": 0, \"so_rcv_tmo_usec\": 0}}";

TEST(dict_and_ipadd_reverse)
{
	struct cr_error *err = NULL;
	InetSkEntry *e = (InetSkEntry *)parse(inet, &inet_sk_entry__descriptor, &err);

	if (!e)
		fprintf(stderr, "%s\n", err ? err->msg : "?");
	ASSERT_TRUE(e);
	ASSERT_EQ(e->family, 10);
	ASSERT_EQ(e->type, 1);
	ASSERT_EQ(e->proto, 6);
	ASSERT_EQ(e->state, 10);
	ASSERT_EQ(e->flags, 0x800);
	ASSERT_EQ(e->n_src_addr, 4);
	ASSERT_EQ(e->n_dst_addr, 1);
	ASSERT_EQ(ntohl(e->dst_addr[0]), 0x7f000001);
	char *s = show(&e->base, true);
	ASSERT_TRUE(strstr(s, "\"family\": \"INET6\", \"type\": \"STREAM\", \"proto\": \"TCP\", \"state\": \"LISTEN\""));
	ASSERT_TRUE(strstr(s, "\"flags\": \"0x800\""));
	ASSERT_TRUE(strstr(s, "\"src_addr\": [\"fe80::1\"], \"dst_addr\": [\"127.0.0.1\"]"));
	free(s);
	s = show(&e->base, false);
	ASSERT_TRUE(strstr(s, "\"family\": 10, \"type\": 1, \"proto\": 6, \"state\": 10"));
	ASSERT_TRUE(strstr(s, "\"flags\": 2048"));
	free(s);
	/* unknown dict values stay numeric */
	e->family = 99;
	e->state = 77;
	s = show(&e->base, true);
	ASSERT_TRUE(strstr(s, "\"family\": 99"));
	ASSERT_TRUE(strstr(s, "\"state\": 77"));
	free(s);
	protobuf_c_message_free_unpacked(&e->base, NULL);
}

TEST(flags_maps)
{
	VmaEntry v = VMA_ENTRY__INIT;
	char *s;

	v.start = 0x400000;
	v.end = 0x401000;
	v.prot = 0x1 | 0x4;
	v.flags = 0x2 | 0x20 | 0x40000; /* MAP_PRIVATE | MAP_ANON | an unnamed bit */
	v.status = 1 | (1u << 14) | (1u << 31);
	v.fd = -1;
	s = show(&v.base, true);
	ASSERT_TRUE(strstr(s, "\"start\": \"0x400000\", \"end\": \"0x401000\""));
	ASSERT_TRUE(strstr(s, "\"prot\": \"PROT_READ | PROT_EXEC\""));
	ASSERT_TRUE(strstr(s, "\"flags\": \"MAP_PRIVATE | MAP_ANON | 0x40000\""));
	ASSERT_TRUE(strstr(s, "\"status\": \"VMA_AREA_REGULAR | VMA_AREA_MEMFD | VMA_UNSUPP\""));
	ASSERT_TRUE(strstr(s, "\"fd\": -1"));
	free(s);
	v.prot = 0;
	s = show(&v.base, true);
	ASSERT_TRUE(strstr(s, "\"prot\": \"\""));
	free(s);

	struct cr_error *err = NULL;
	VmaEntry *w = (VmaEntry *)parse(
		"{\"start\": \"0x1000\", \"end\": 8192, \"pgoff\": 0, \"shmid\": 0,"
		" \"prot\": \"PROT_READ | PROT_WRITE\", \"flags\": \"MAP_SHARED | 0x40000\","
		" \"status\": \"\", \"fd\": \"-0x1\"}",
		&vma_entry__descriptor, &err);
	ASSERT_TRUE(w);
	ASSERT_EQ(w->start, 0x1000);
	ASSERT_EQ(w->end, 8192);
	ASSERT_EQ(w->prot, 3);
	ASSERT_EQ(w->flags, 0x40001);
	ASSERT_EQ(w->status, 0);
	ASSERT_EQ(w->fd, -1);
	protobuf_c_message_free_unpacked(&w->base, NULL);
	ASSERT_TRUE(refused("{\"start\": 0, \"end\": 0, \"pgoff\": 0, \"shmid\": 0, \"prot\": \"PROT_BOGUS\","
			    " \"flags\": 0, \"status\": 0, \"fd\": 0}",
			    &vma_entry__descriptor, "PROT_BOGUS"));
}

TEST(rfile_and_pmap_flags)
{
	PagemapEntry p = PAGEMAP_ENTRY__INIT;
	p.vaddr = 0x7f0000000000;
	p.has_flags = 1;
	p.flags = IMG_PE_PRESENT | IMG_PE_LAZY;
	p.has_nr_pages = 1;
	p.nr_pages = 3;
	char *s = show(&p.base, true);
	ASSERT_TRUE(strstr(s, "\"vaddr\": \"0x7f0000000000\""));
	ASSERT_TRUE(strstr(s, "\"flags\": \"PE_LAZY | PE_PRESENT\""));
	ASSERT_TRUE(strstr(s, "\"nr_pages\": 3"));
	ASSERT_EQ(img_pagemap_nr_pages(&p), 3);
	p.has_nr_pages = 0;
	p.compat_nr_pages = 7;
	ASSERT_EQ(img_pagemap_nr_pages(&p), 7);
	free(s);
}

TEST(dev_and_odev)
{
	struct cr_error *err = NULL;
	GhostFileEntry *g = (GhostFileEntry *)parse(
		"{\"uid\": 0, \"gid\": 0, \"mode\": 8612, \"dev\": \"259:3\", \"rdev\": \"136:5\"}",
		&ghost_file_entry__descriptor, &err);
	ASSERT_TRUE(g);
	ASSERT_EQ(g->dev, (259u << 20) | 3);	  /* kernel encoding, minor bits = 20 */
	ASSERT_EQ(g->rdev, (136u << 8) | 5); /* old dev_t: os.makedev */
	char *s = show(&g->base, true);
	ASSERT_TRUE(strstr(s, "\"dev\": \"259:3\""));
	ASSERT_TRUE(strstr(s, "\"rdev\": \"136:5\""));
	free(s);
	g->rdev = 0x67812345u;
	s = show(&g->base, true);
	/* os.major/os.minor of 0x67812345: major 0x123 = 291, minor 0x67845 = 424005 */
	ASSERT_TRUE(strstr(s, "\"rdev\": \"291:424005\""));
	free(s);
	protobuf_c_message_free_unpacked(&g->base, NULL);
	ASSERT_TRUE(refused("{\"uid\": 0, \"gid\": 0, \"mode\": 0, \"dev\": \"8-1\"}",
			    &ghost_file_entry__descriptor, "major:minor"));
}

TEST(u64_beyond_int64_plain_json)
{
	RlimitEntry r = RLIMIT_ENTRY__INIT;
	r.cur = 18446744073709551615ull; /* RLIM_INFINITY */
	r.max = 9223372036854775808ull;
	char *s = show(&r.base, false);
	ASSERT_STREQ(s, "{\"cur\": 18446744073709551615, \"max\": 9223372036854775808}");

	struct cr_error *err = NULL;
	RlimitEntry *back = (RlimitEntry *)parse(s, &rlimit_entry__descriptor, &err);
	free(s);
	ASSERT_TRUE(back);
	ASSERT_TRUE(back->cur == 18446744073709551615ull);
	ASSERT_TRUE(back->max == 9223372036854775808ull);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	ASSERT_TRUE(refused("{\"cur\": 18446744073709551616, \"max\": 0}", &rlimit_entry__descriptor,
			    "cur"));
	ASSERT_TRUE(refused("{\"cur\": -1, \"max\": 0}", &rlimit_entry__descriptor, "cur"));
	/* big numbers inside strings stay strings */
	ASSERT_TRUE(refused("{\"cur\": 0, \"max\": 0, \"x\": \"18446744073709551615\"}",
			    &rlimit_entry__descriptor, "x"));
}

TEST(strict_json_to_msg)
{
	const ProtobufCMessageDescriptor *f = &fdinfo_entry__descriptor;
	/* fdinfo_entry: id uint32, flags uint32, type fd_types enum, fd uint32 */
	ASSERT_TRUE(refused("{\"id\": 1, \"flags\": 0, \"type\": \"REG\", \"fd\": 0, \"bogus\": 1}", f, "bogus"));
	ASSERT_TRUE(refused("{\"id\": 4294967296, \"flags\": 0, \"type\": \"REG\", \"fd\": 0}", f, "uint32"));
	ASSERT_TRUE(refused("{\"id\": -1, \"flags\": 0, \"type\": \"REG\", \"fd\": 0}", f, "id"));
	ASSERT_TRUE(refused("{\"id\": \"one\", \"flags\": 0, \"type\": \"REG\", \"fd\": 0}", f, "id"));
	ASSERT_TRUE(refused("{\"id\": 1.5, \"flags\": 0, \"type\": \"REG\", \"fd\": 0}", f, "id"));
	ASSERT_TRUE(refused("{\"id\": 1, \"flags\": 0, \"type\": \"NOT_A_TYPE\", \"fd\": 0}", f, "type"));
	ASSERT_TRUE(refused("{\"id\": 1, \"flags\": 0, \"type\": true, \"fd\": 0}", f, "type"));
	ASSERT_TRUE(refused("{\"id\": 1, \"flags\": 0, \"fd\": 0}", f, "type"));
	ASSERT_TRUE(refused("[1, 2]", f, "object"));
	ASSERT_TRUE(refused("{\"id\": 1, \"flags\": 0, \"type\": \"REG\", \"fd\": null}", f, "fd"));
	ASSERT_TRUE(refused("{\"id\": 1, \"flags\": 0, \"type\": \"REG\", \"fd\": \"0x1\\nx\"}", f, "fd"));
}

TEST(int32_range)
{
	const ProtobufCMessageDescriptor *a = &autofs_entry__descriptor;
	ASSERT_TRUE(refused("{\"fd\": 2147483648, \"pgrp\": 0, \"timeout\": 0, \"minproto\": 0,"
			    " \"maxproto\": 0, \"mode\": 0}", a, "int32"));
	ASSERT_TRUE(refused("{\"fd\": -2147483649, \"pgrp\": 0, \"timeout\": 0, \"minproto\": 0,"
			    " \"maxproto\": 0, \"mode\": 0}", a, "int32"));
	struct cr_error *err = NULL;
	AutofsEntry *ae = (AutofsEntry *)parse("{\"fd\": -2147483648, \"pgrp\": 2147483647, \"timeout\": \"-0x10\","
					       " \"minproto\": 0, \"maxproto\": 0, \"mode\": 0}", a, &err);
	ASSERT_TRUE(ae);
	ASSERT_EQ(ae->fd, INT32_MIN);
	ASSERT_EQ(ae->pgrp, INT32_MAX);
	ASSERT_EQ(ae->timeout, -16);
	protobuf_c_message_free_unpacked(&ae->base, NULL);

	const ProtobufCMessageDescriptor *d = &task_core_entry__descriptor;
	ASSERT_TRUE(refused("{\"task_state\": 1, \"exit_code\": 4294967296, \"personality\": 0,"
			    " \"flags\": 0, \"blk_sigset\": 0, \"comm\": \"x\"}", d, "uint32"));
	ASSERT_TRUE(refused("{\"task_state\": 1, \"exit_code\": 0, \"personality\": 0,"
			    " \"flags\": 0, \"blk_sigset\": 0}", d, "comm"));
	TaskCoreEntry *tc = (TaskCoreEntry *)parse(
		"{\"task_state\": \"Zombie\", \"exit_code\": 4294967295, \"personality\": 0,"
		" \"flags\": 0, \"blk_sigset\": \"0xfffffffffffffffe\", \"comm\": \"x\"}", d, &err);
	if (!tc)
		fprintf(stderr, "%s\n", err ? err->msg : "?");
	ASSERT_TRUE(tc);
	ASSERT_EQ(tc->exit_code, UINT32_MAX);
	ASSERT_EQ(tc->task_state, 3);
	ASSERT_TRUE(tc->blk_sigset == 0xfffffffffffffffeull);
	char *s = show(&tc->base, true);
	ASSERT_TRUE(strstr(s, "\"task_state\": \"Zombie\""));
	ASSERT_TRUE(strstr(s, "\"blk_sigset\": \"0xfffffffffffffffe\""));
	free(s);
	s = show(&tc->base, false);
	ASSERT_TRUE(strstr(s, "\"blk_sigset\": 18446744073709551614"));
	free(s);
	protobuf_c_message_free_unpacked(&tc->base, NULL);
}

TEST(hex_inherited_by_nested_messages)
{
	/* thread_info_x86.gpregs is hex: every register inside it prints in hex */
	struct cr_error *err = NULL;
	json_t *j = NULL;
	const char *src = "{\"clear_tid_addr\": 16, \"gpregs\": {\"r15\": 255, \"r14\": 0, \"r13\": 0, \"r12\": 0,"
			  " \"bp\": 0, \"bx\": 0, \"r11\": 0, \"r10\": 0, \"r9\": 0, \"r8\": 0, \"ax\": 0,"
			  " \"cx\": 0, \"dx\": 0, \"si\": 0, \"di\": 0, \"orig_ax\": 0, \"ip\": 0, \"cs\": 0,"
			  " \"flags\": 0, \"sp\": 0, \"ss\": 0, \"fs_base\": 0, \"gs_base\": 0, \"ds\": 0,"
			  " \"es\": 0, \"fs\": 0, \"gs\": 0}, \"fpregs\": {\"cwd\": 0, \"swd\": 0, \"twd\": 0,"
			  " \"fop\": 0, \"rip\": 0, \"rdp\": 0, \"mxcsr\": 0, \"mxcsr_mask\": 0}}";
	ProtobufCMessage *m = parse(src, &thread_info_x86__descriptor, &err);
	if (!m)
		fprintf(stderr, "%s\n", err ? err->msg : "?");
	ASSERT_TRUE(m);
	char *s = show(m, true);
	ASSERT_TRUE(strstr(s, "\"clear_tid_addr\": \"0x10\""));
	ASSERT_TRUE(strstr(s, "\"r15\": \"0xff\""));
	free(s);
	json_decref(j);
	protobuf_c_message_free_unpacked(m, NULL);
}

TEST(error_messages_are_one_line)
{
	ASSERT_TRUE(refused("{\"id\": 1, \"flags\": 0, \"type\": \"REG\", \"fd\": 0, \"a\\nb\": 1}",
			    &fdinfo_entry__descriptor, "unknown field"));
	ASSERT_TRUE(refused("{\"id\": \"1\\n\", \"flags\": 0, \"type\": \"REG\", \"fd\": 0}",
			    &fdinfo_entry__descriptor, "not a number"));
}

TEST(json_dumps_python_style)
{
	json_t *j = json_pack("{s:[i,s,b,n],s:{}}", "a", 1, "\xc3\xa9\x01\"", 1, "e");
	char *s = img_json_dumps(j, 0);
	ASSERT_STREQ(s, "{\"a\": [1, \"\\u00e9\\u0001\\\"\", true, null], \"e\": {}}");
	free(s);
	s = img_json_dumps(j, 4);
	ASSERT_STREQ(s, "{\n    \"a\": [\n        1,\n        \"\\u00e9\\u0001\\\"\",\n        true,\n"
			"        null\n    ],\n    \"e\": {}\n}");
	free(s);
	json_decref(j);
}

TEST_MAIN()
