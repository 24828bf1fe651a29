/*
 * sse_frame — one Server-Sent Event as text.  See sse_frame.h.
 */
#include "server/sse_frame.h"

enum claw_err
claw_sse_frame(struct claw_buf *out, int64_t id, const char *name, const char *data, size_t len)
{
	if (id >= 0)
		(void)claw_buf_printf(out, "id: %lld\n", (long long)id);
	(void)claw_buf_printf(out, "event: %s\n", name);
	for (size_t i = 0;;) {
		size_t j = i;
		while (j < len && data[j] != '\n' && data[j] != '\r')
			j++;
		(void)claw_buf_puts(out, "data: ");
		(void)claw_buf_append(out, data + i, j - i);
		(void)claw_buf_putc(out, '\n');
		if (j >= len)
			break;
		if (data[j] == '\r' && j + 1 < len && data[j + 1] == '\n')
			j++; /* CRLF is one line break */
		i = j + 1;
	}
	return claw_buf_putc(out, '\n');
}
