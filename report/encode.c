/*
 * String encoders for YAML and TOML, and a jansson-to-buf bridge.  Both
 * text encoders quote every string: a tool called "yes", "null", "1e3",
 * "- x" or " key" must never be read back as anything but that string.
 */
#include <stdint.h>
#include <string.h>

#include "report/encode.h"
#include "util/utf8.h"
#include "util/banned.h"

/* Code points that are escaped in both formats beyond the controls. */
static int
is_special(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

static int
full(struct errbuf *eb)
{
	errbuf_set(eb, "export too large");
	return -1;
}

/* The shared loop; esc() writes the escape for one special code point. */
static int
put_quoted(struct buf *b, const char *s, struct errbuf *eb,
	   int (*esc)(struct buf *, uint32_t))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, run = 0;
	uint32_t cp;

	if (buf_putc(b, '"') < 0)
		return full(eb);
	while (i < len) {
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			errbuf_set(eb, "invalid UTF-8 at byte %zu", i);
			return -1;
		}
		if (cp == '"' || cp == '\\' || is_special(cp)) {
			/* flush the plain run before this character */
			if (buf_append(b, s + i - run, run) < 0 ||
			    esc(b, cp) < 0)
				return full(eb);
			run = 0;
		} else {
			run += n;
		}
		i += n;
	}
	if (buf_append(b, s + i - run, run) < 0 || buf_putc(b, '"') < 0)
		return full(eb);
	return 0;
}

static int
yaml_esc(struct buf *b, uint32_t cp)
{
	switch (cp) {
	case '"': return buf_puts(b, "\\\"");
	case '\\': return buf_puts(b, "\\\\");
	case '\n': return buf_puts(b, "\\n");
	case '\t': return buf_puts(b, "\\t");
	case '\r': return buf_puts(b, "\\r");
	}
	if (cp <= 0xff)
		return buf_printf(b, "\\x%02X", (unsigned)cp);
	return buf_printf(b, "\\u%04X", (unsigned)cp);
}

static int
toml_esc(struct buf *b, uint32_t cp)
{
	switch (cp) {
	case '"': return buf_puts(b, "\\\"");
	case '\\': return buf_puts(b, "\\\\");
	case '\n': return buf_puts(b, "\\n");
	case '\t': return buf_puts(b, "\\t");
	case '\r': return buf_puts(b, "\\r");
	case '\b': return buf_puts(b, "\\b");
	case '\f': return buf_puts(b, "\\f");
	}
	return buf_printf(b, "\\u%04X", (unsigned)cp);
}

int
enc_yaml_str(struct buf *b, const char *s, struct errbuf *eb)
{
	return put_quoted(b, s, eb, yaml_esc);
}

int
enc_toml_str(struct buf *b, const char *s, struct errbuf *eb)
{
	return put_quoted(b, s, eb, toml_esc);
}

static int
dump_cb(const char *chunk, size_t size, void *data)
{
	return buf_append(data, chunk, size);
}

int
enc_json(struct buf *b, const json_t *j, size_t flags, struct errbuf *eb)
{
	if (json_dump_callback(j, dump_cb, b, flags) < 0 ||
	    buf_putc(b, '\n') < 0) {
		errbuf_set(eb, b->toobig ? "export too large" :
			   "cannot encode JSON");
		return -1;
	}
	return 0;
}

int
enc_puts(struct buf *b, const char *s, struct errbuf *eb)
{
	return buf_puts(b, s) < 0 ? full(eb) : 0;
}
