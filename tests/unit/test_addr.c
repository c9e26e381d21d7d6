/* The address policy, on literals only: nothing here opens a socket. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "util/addr.h"
#include "tests/unit/t.h"

static int
check(const char *text)
{
	struct sockaddr_in in4 = { 0 };
	struct sockaddr_in6 in6 = { 0 };

	if (inet_pton(AF_INET, text, &in4.sin_addr) == 1) {
		in4.sin_family = AF_INET;
		return addr_is_public((struct sockaddr *)&in4, sizeof(in4));
	}
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		return addr_is_public((struct sockaddr *)&in6, sizeof(in6));
	}
	return -1;
}

TEST(addr_blocked_v4)
{
	static const char *const bad[] = {
		"0.0.0.0",	 "0.1.2.3",	    "10.0.0.1",
		"10.255.255.255", "100.64.0.1",	    "100.127.255.254",
		"127.0.0.1",	 "127.0.0.2",	    "127.255.255.255",
		"169.254.169.254", "169.254.0.1",   "172.16.0.1",
		"172.31.255.255", "192.0.0.8",	    "192.0.2.1",
		"192.88.99.1",	 "192.168.1.1",	    "198.18.0.1",
		"198.19.255.255", "198.51.100.7",   "203.0.113.9",
		"224.0.0.1",	 "239.255.255.250", "240.0.0.1",
		"255.255.255.255",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check(bad[i]) != 0)
			T_FAIL("%s should be blocked", bad[i]);
}

TEST(addr_public_v4)
{
	static const char *const good[] = {
		"1.1.1.1",     "8.8.8.8",    "9.255.255.255", "11.0.0.1",
		"100.63.255.255", "100.128.0.1", "172.15.255.255",
		"172.32.0.1",  "192.167.1.1", "198.17.0.1", "223.255.255.254",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (check(good[i]) != 1)
			T_FAIL("%s should be public", good[i]);
}

TEST(addr_blocked_v6)
{
	static const char *const bad[] = {
		"::",		     "::1",		 "::ffff:127.0.0.1",
		"::ffff:10.1.2.3",   "::ffff:169.254.169.254",
		"::127.0.0.1",	     "::10.0.0.1",	 "64:ff9b::7f00:1",
		"64:ff9b:1::1",	     "100::1",		 "2001:db8::1",
		"2001::1",	     "2002:7f00:1::1",	 "2002:c0a8:101::1",
		"fc00::1",	     "fd12:3456::1",	 "fe80::1",
		"febf::1",	     "fec0::1",		 "ff02::1",
		"3fff::1",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check(bad[i]) != 0)
			T_FAIL("%s should be blocked", bad[i]);
}

TEST(addr_public_v6)
{
	static const char *const good[] = {
		"2606:4700:4700::1111", "2a00:1450::1", "::ffff:8.8.8.8",
		"64:ff9b::808:808",	"2002:808:808::1", "2400:cb00::1",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (check(good[i]) != 1)
			T_FAIL("%s should be public", good[i]);
}

TEST(addr_other_families_and_short_lengths)
{
	struct sockaddr_in in4 = { 0 };
	struct sockaddr sa = { 0 };
	char text[64];

	sa.sa_family = AF_UNIX;
	CHECK(!addr_is_public(&sa, sizeof(sa)));
	CHECK(!addr_is_public(NULL, 0));
	in4.sin_family = AF_INET;
	inet_pton(AF_INET, "8.8.8.8", &in4.sin_addr);
	CHECK(!addr_is_public((struct sockaddr *)&in4, 4));
	addr_format((struct sockaddr *)&in4, sizeof(in4), text, sizeof(text));
	CHECK_STR(text, "8.8.8.8");
}
