/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the preview subcommands (diff, explain, matrix) share: ports given on the
 * command line or named by policies, endpoints given as NS/POD or an address,
 * and names of pods and policies for output.
 */
#ifndef AGENT_CLI_PREVIEW_H
#define AGENT_CLI_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/model.h"
#include "policy/reach.h"

struct preview_port {
	uint8_t proto; /* IPPROTO_* */
	uint16_t port;
};

/* A sorted, unique list of ports (after preview_ports_sort). */
struct preview_ports {
	struct preview_port *v;
	size_t n, cap;
};

/* A string written through a FILE (open_memstream). */
struct preview_str {
	char *buf; /* owned until preview_str_take() */
	size_t len;
	FILE *f;
};

FILE *preview_str_open(struct preview_str *s);
char *preview_str_take(struct preview_str *s);

int preview_parse_port(const char *s, struct preview_port *out);
void preview_ports_add(struct preview_ports *l, uint8_t proto, uint16_t port);
void preview_ports_from_policies(const struct cluster *c, struct preview_ports *l);
void preview_ports_sort(struct preview_ports *l);
void preview_ports_fini(struct preview_ports *l);
const char *preview_proto_upper(uint8_t proto);
void preview_put_cnp_rule(FILE *f, const struct cluster *c, size_t cnp, enum dir dir, size_t rule);

int preview_parse_end(const struct reach *r, const char *s, int family, struct reach_end *out);
int preview_parse_family(const char *s, int *family);
int preview_default_family(const struct cluster *c);
bool preview_has_family(const struct cluster *c, int family);

#endif
