/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Printing helpers shared by the inspect commands (crit/output-text.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cr-error.h"

/* Give stdout a large buffer for big listings. */
int crit_out_begin(FILE *f);
/* Flush and report a write error (EPIPE, ENOSPC). */
int crit_out_end(FILE *f, struct cr_error **err);
/* Print JSON indented by 4, as crit does, plus a newline. */
int crit_json_print(FILE *f, const json_t *j, struct cr_error **err);
/* "0x55e9d1a7c000" */
json_t *crit_json_hex(uint64_t v);
/* "Alive", "Dead", "Stopped", "Zombie" or the number. */
const char *crit_task_state_name(uint32_t state);
/* "PE_LAZY | PE_PRESENT" (static buffer-free: returns a constant string). */
const char *crit_pe_flags(uint32_t flags);
/* 4096 -> "4.0 KiB" into buf. */
const char *crit_size(uint64_t bytes, char *buf, size_t sz);
/* Hexdump with ASCII, repeated lines folded to "*". */
void crit_hexdump(FILE *f, uint64_t addr, const uint8_t *buf, size_t len, bool fold);

struct ins_ckpt;
/* Open a checkpoint (dir, container dir or archive) with compressed-page support. */
int crit_open_ckpt(const char *path, struct ins_ckpt **ret, struct cr_error **err);
/* Read that checkpoint's pages through convert/ (plain or .zst). */
void crit_ckpt_use_convert_pages(struct ins_ckpt *c);
