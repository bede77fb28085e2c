/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * CRIU's RPC over a SOCK_SEQPACKET socket (`crisp swrk FD`, as runc,
 * crun, podman through go-criu, and libcriu drive it): one criu_req per
 * packet, one criu_resp back, NOTIFY round trips in between when the
 * client asked for notify_scripts.
 */
#include "cr-error.h"

struct crisp_config_paths;

/*
 * Serve requests on sk until the client is done: one request, or more
 * while each succeeds with keep_open (CRIU's rule).  Every failure is
 * answered with success=false and cr_errmsg; the return value is 0 when
 * the last request succeeded, else a negative errno with *err set.
 * paths == NULL means the real config file locations.
 */
int crisp_rpc_serve(int sk, const struct crisp_config_paths *paths, struct cr_error **err);

/* CRIU's default service socket. */
#define CRISP_SERVICE_ADDRESS "/var/run/criu_service.socket"

struct crisp_opts;
/*
 * `crisp service`: listen on o->address (or a socket passed by systemd),
 * serve each connection in a child as swrk would.  With -d, daemonise
 * after listening (writing --pidfile); --status-fd gets a \0 once ready.
 * Returns only on error (or when the listening socket goes away).
 */
int crisp_rpc_service(const struct crisp_opts *o, struct cr_error **err);
