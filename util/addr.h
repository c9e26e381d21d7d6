/*
 * The address policy for servers learned from a registry: only public
 * unicast addresses may be connected to, so a hostile catalog entry (or a
 * DNS answer that changes between checks) cannot reach loopback, the LAN or
 * a cloud metadata service.
 */
#ifndef MCPRISK_ADDR_H
#define MCPRISK_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * True when sa is a globally routable unicast IPv4 or IPv6 address.  False
 * for loopback, private (RFC 1918), shared (CGNAT 100.64/10), link-local
 * (169.254/16 including the metadata address, fe80::/10), multicast,
 * unspecified, broadcast, reserved, documentation and benchmarking ranges,
 * ULA fc00::/7, site-local fec0::/10, and IPv6 forms that embed a blocked
 * IPv4 address (mapped, compatible, 6to4, NAT64).  Any other family is
 * refused too.
 */
bool addr_is_public(const struct sockaddr *sa, socklen_t len);

/* Write sa as text ("127.0.0.1", "::1") into out; "?" if unknown. */
void addr_format(const struct sockaddr *sa, socklen_t len, char *out,
		 size_t outlen);

#endif
