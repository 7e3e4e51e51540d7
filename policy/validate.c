// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Name syntax as apimachinery's pkg/util/validation checks it (see validate.h),
 * and the domain-name pattern of the network-policy-api CRDs. The sentences
 * follow the API server's wording so that a message from nftpol reads like the
 * one kubectl would have printed.
 */
#include "policy/validate.h"

#include <stdbool.h>
#include <string.h>

#define DNS_LABEL_MAX 63
#define DNS_SUBDOMAIN_MAX 253
#define LABEL_NAME_MAX 63
#define PORT_NAME_MAX 15

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* One label of a DNS name: [a-z0-9]([-a-z0-9]*[a-z0-9])? within s[0..n). */
static bool dns_part_ok(const char *s, size_t n)
{
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* A DNS-1123 label: namespace names, Namespace objects. */
const char *validate_dns_label(const char *s)
{
	size_t n = strlen(s);

	if (n > DNS_LABEL_MAX)
		return "must be no more than 63 characters";
	if (!dns_part_ok(s, n))
		return "a lowercase RFC 1123 label must consist of lower case alphanumeric "
		       "characters or '-', and must start and end with an alphanumeric "
		       "character (e.g. 'my-name', or '123-abc')";
	return NULL;
}

static bool subdomain_ok(const char *s, size_t n)
{
	const char *end = s + n;

	for (;;) {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		size_t len = dot ? (size_t)(dot - s) : (size_t)(end - s);

		if (!dns_part_ok(s, len))
			return false;
		if (!dot)
			return true;
		s = dot + 1;
	}
}

/* A DNS-1123 subdomain: names of Pods and NetworkPolicies, label key prefixes. */
const char *validate_dns_subdomain(const char *s)
{
	size_t n = strlen(s);

	if (n > DNS_SUBDOMAIN_MAX)
		return "must be no more than 253 characters";
	if (!subdomain_ok(s, n))
		return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
		       "characters, '-' or '.', and must start and end with an alphanumeric "
		       "character (e.g. 'example.com')";
	return NULL;
}

/* [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])? over s[0..n). */
static bool label_chars_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

static const char *key_name_part(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return "name part must be non-empty";
	if (n > LABEL_NAME_MAX)
		return "name part must be no more than 63 characters";
	if (!label_chars_ok(s, n))
		return "name part must consist of alphanumeric characters, '-', '_' or '.', "
		       "and must start and end with an alphanumeric character (e.g. 'MyName', "
		       "or 'my.name', or '123-abc')";
	return NULL;
}

/* A label key: a qualified name, [prefix/]name. */
const char *validate_label_key(const char *s)
{
	const char *slash = strchr(s, '/');

	if (!slash)
		return key_name_part(s);
	if (strchr(slash + 1, '/'))
		return "a qualified name must consist of alphanumeric characters, '-', '_' or "
		       "'.', and must start and end with an alphanumeric character, with an "
		       "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
	if (slash == s)
		return "prefix part must be non-empty";
	if ((size_t)(slash - s) > DNS_SUBDOMAIN_MAX)
		return "prefix part must be no more than 253 characters";
	if (!subdomain_ok(s, (size_t)(slash - s)))
		return "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
		       "alphanumeric characters, '-' or '.', and must start and end with an "
		       "alphanumeric character (e.g. 'example.com')";
	return key_name_part(slash + 1);
}

/* A label value: empty, or up to 63 characters like a key's name part. */
const char *validate_label_value(const char *s)
{
	size_t n = strlen(s);

	if (n > LABEL_NAME_MAX)
		return "must be no more than 63 characters";
	if (n > 0 && !label_chars_ok(s, n))
		return "a valid label must be an empty string or consist of alphanumeric "
		       "characters, '-', '_' or '.', and must start and end with an alphanumeric "
		       "character (e.g. 'MyValue', or 'my_value', or '12345')";
	return NULL;
}

/* An IANA_SVC_NAME: the name of a container port, or a named NetworkPolicy port. */
const char *validate_port_name(const char *s)
{
	size_t n = strlen(s);
	bool other = n == 0, hyphens = false, letter = false;

	if (n > PORT_NAME_MAX)
		return "must be no more than 15 characters";
	/* one pass (a name per container port of every pod), the checks in their order */
	for (size_t i = 0; i < n; i++) {
		letter |= s[i] >= 'a' && s[i] <= 'z';
		other |= !is_lower_alnum(s[i]) && s[i] != '-';
		hyphens |= s[i] == '-' && s[i + 1] == '-';
	}
	if (other)
		return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
	if (hyphens)
		return "must not contain consecutive hyphens";
	if (!letter)
		return "must contain at least one letter (a-z)";
	if (s[0] == '-' || s[n - 1] == '-')
		return "must not begin or end with a hyphen";
	return NULL;
}

/*
 * A DomainName of a cluster network policy peer, as the CRD's pattern has it:
 * an optional "*." prefix, two labels or more, an optional final dot; a label
 * is [a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?, where "A-z" (sic) also lets it
 * start with one of [\]^_` as the API server does.
 */
static bool domain_label_ok(const char *s, size_t n)
{
	if (n == 0 || !(is_alnum(s[0]) || (s[0] >= 'A' && s[0] <= 'z')))
		return false;
	if (n > 1 && !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool domain_ok(const char *s)
{
	size_t n = strlen(s), labels = 0;
	const char *end;

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	if (n && s[n - 1] == '.')
		n--;
	end = s + n;
	for (;;) {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		size_t len = dot ? (size_t)(dot - s) : (size_t)(end - s);

		if (!domain_label_ok(s, len))
			return false;
		labels++;
		if (!dot)
			return labels >= 2;
		s = dot + 1;
	}
}

/* A domain name of a domainNames peer (see domain_label_ok()). */
const char *validate_domain_name(const char *s)
{
	if (!domain_ok(s))
		return "expected a DNS name of two labels or more such as kubernetes.io, or "
		       "*.kubernetes.io for its subdomains (labels of letters, digits, '-' and "
		       "'_'; '*' only as a whole first label)";
	return NULL;
}
