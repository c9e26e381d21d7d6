/*
 * Control-character escaping for terminal output.  Anything that could move
 * the cursor, change colours or hide text is shown as an escape instead.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "util/term.h"
#include "util/utf8.h"
#include "util/banned.h"

static bool
invisible(uint32_t cp)
{
	return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff ||
	       (cp >= 0xe0000 && cp <= 0xe007f) || cp == 0x00ad;
}

int
term_escape(struct buf *out, const char *s, size_t maxcols)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, cols = 0;
	char tmp[16];

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (maxcols && cols >= maxcols) {
			return buf_puts(out, "...");
		}
		if (n == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			if (buf_puts(out, tmp) < 0)
				return -1;
			i++;
			cols += 4;
			continue;
		}
		if (cp == '\n' || cp == '\t' || cp == '\r') {
			if (buf_puts(out, cp == '\n' ? "\\n" :
					  cp == '\t' ? "\\t" : "\\r") < 0)
				return -1;
			cols += 2;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			if (buf_puts(out, tmp) < 0)
				return -1;
			cols += 4;
		} else if (invisible(cp)) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
			if (buf_puts(out, tmp) < 0)
				return -1;
			cols += strlen(tmp);
		} else {
			if (buf_append(out, p + i, n) < 0)
				return -1;
			cols++;
		}
		i += n;
	}
	return 0;
}

int
term_escape_line(struct buf *out, const char *s, size_t maxcols)
{
	struct buf line = BUF_INIT(strlen(s) + 1);
	bool space = false;
	int ret;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = line.len > 0;
			continue;
		}
		if (space)
			buf_putc(&line, ' ');
		space = false;
		buf_putc(&line, *s);
	}
	ret = term_escape(out, buf_cstr(&line), maxcols);
	buf_release(&line);
	return ret;
}

void
term_print(FILE *f, const char *s, size_t width)
{
	struct buf b = BUF_INIT(1 << 20);
	size_t cols;

	term_escape(&b, s ? s : "", 0);
	fputs(buf_cstr(&b), f);
	cols = utf8_width(buf_cstr(&b));
	while (width && cols < width) {
		fputc(' ', f);
		cols++;
	}
	buf_release(&b);
}

bool
term_isatty(int fd)
{
	return isatty(fd) == 1;
}
