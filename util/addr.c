/*
 * Classifying socket addresses as public or not, for the crawler's address
 * policy.  Tables of blocked prefixes keep the rules reviewable; IPv6 forms
 * that carry an IPv4 address are unwrapped and checked as IPv4.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"
#include "util/banned.h"

struct v4_block {
	uint32_t net;
	unsigned bits;
};

/* IPv4 ranges that are never a public MCP server. */
static const struct v4_block v4_blocked[] = {
	{ 0x00000000, 8 },  /* 0.0.0.0/8 "this network", unspecified */
	{ 0x0a000000, 8 },  /* 10/8 private */
	{ 0x64400000, 10 }, /* 100.64/10 shared address space (CGNAT) */
	{ 0x7f000000, 8 },  /* 127/8 loopback */
	{ 0xa9fe0000, 16 }, /* 169.254/16 link-local, cloud metadata */
	{ 0xac100000, 12 }, /* 172.16/12 private */
	{ 0xc0000000, 24 }, /* 192.0.0/24 IETF protocol assignments */
	{ 0xc0000200, 24 }, /* 192.0.2/24 TEST-NET-1 */
	{ 0xc0586300, 24 }, /* 192.88.99/24 6to4 relay anycast */
	{ 0xc0a80000, 16 }, /* 192.168/16 private */
	{ 0xc6120000, 15 }, /* 198.18/15 benchmarking */
	{ 0xc6336400, 24 }, /* 198.51.100/24 TEST-NET-2 */
	{ 0xcb007100, 24 }, /* 203.0.113/24 TEST-NET-3 */
	{ 0xe0000000, 4 },  /* 224/4 multicast */
	{ 0xf0000000, 4 },  /* 240/4 reserved, 255.255.255.255 broadcast */
};

static bool
v4_is_public(uint32_t a)
{
	size_t i;

	for (i = 0; i < sizeof(v4_blocked) / sizeof(v4_blocked[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - v4_blocked[i].bits);

		if ((a & mask) == v4_blocked[i].net)
			return false;
	}
	return true;
}

struct v6_block {
	uint8_t net[16];
	unsigned bits;
};

/* IPv6 ranges refused outright (embedded-IPv4 forms are handled apart). */
static const struct v6_block v6_blocked[] = {
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48 }, /* local NAT64 */
	{ { 0x01, 0x00 }, 64 },                         /* 100::/64 discard */
	{ { 0x20, 0x01, 0x00, 0x00 }, 23 },             /* IETF assignments */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },             /* documentation */
	{ { 0x3f, 0xff }, 20 },                         /* documentation */
	{ { 0xfc }, 7 },                                /* ULA */
	{ { 0xfe, 0x80 }, 10 },                         /* link-local */
	{ { 0xfe, 0xc0 }, 10 },                         /* site-local */
	{ { 0xff }, 8 },                                /* multicast */
};

static bool
v6_prefix(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a[full] & mask) != (net[full] & mask))
			return false;
	}
	return true;
}

static uint32_t
v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool
v6_is_public(const uint8_t *a)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0,
					    0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	size_t i;

	/* ::/96 holds ::, ::1 and the deprecated IPv4-compatible form. */
	if (memcmp(a, zero, 12) == 0)
		return v4_is_public(v4_at(a + 12)) && v4_at(a + 12) > 1;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_is_public(v4_at(a + 12));
	if (a[0] == 0x20 && a[1] == 0x02) /* 6to4 carries v4 in bits 16-47 */
		return v4_is_public(v4_at(a + 2));
	for (i = 0; i < sizeof(v6_blocked) / sizeof(v6_blocked[0]); i++)
		if (v6_prefix(a, v6_blocked[i].net, v6_blocked[i].bits))
			return false;
	return true;
}

bool
addr_is_public(const struct sockaddr *sa, socklen_t len)
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return v4_is_public(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		return v6_is_public(in6->sin6_addr.s6_addr);
	}
	return false;
}

void
addr_format(const struct sockaddr *sa, socklen_t len, char *out,
	    size_t outlen)
{
	const void *p = NULL;

	if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		p = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6 &&
		 len >= sizeof(struct sockaddr_in6))
		p = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!p || !inet_ntop(sa->sa_family, p, out, (socklen_t)outlen))
		snprintf(out, outlen, "?");
}
