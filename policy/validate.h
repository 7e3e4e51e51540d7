/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The API server's syntax rules for names: DNS-1123 labels and subdomains, label
 * keys (qualified names) and values, IANA service names (named ports) and the
 * domain names of cluster network policy peers. Each
 * check returns NULL when s is valid, else a static sentence saying what is wrong.
 */
#ifndef POLICY_VALIDATE_H
#define POLICY_VALIDATE_H

const char *validate_dns_label(const char *s);
const char *validate_dns_subdomain(const char *s);
const char *validate_label_key(const char *s);
const char *validate_label_value(const char *s);
const char *validate_port_name(const char *s);
const char *validate_domain_name(const char *s);

#endif
