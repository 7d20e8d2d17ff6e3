/*
 * The prototype's design (seeds/004-mbuf-tracing-blog.txt), faithfully, for
 * the benchmark: one m_tag allocated per hop, holding the length of a
 * "file:line" string and a pointer to it (mbuf_trace_static) or a copy of a
 * formatted string (mbuf_trace_printf), prepended to the mbuf's tag list.
 * Compiled against the same stand-in as the new code.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>

#include <stdarg.h>

#include "proto.h"

#define	M_COOKIE_TRACE	0x7472	/* the prototype's tag cookie */

struct mbuf_trace {
	uint16_t	 strlen;
	bool		 is_static;
	const char	*string_static;
	char		 string[];
};

void
proto_trace_static(struct mbuf *m, char const *s, uint32_t length)
{
	struct m_tag *tag;
	struct mbuf_trace *t;

	tag = m_tag_alloc(M_COOKIE_TRACE, 0, sizeof(struct mbuf_trace),
	    M_NOWAIT);
	if (tag == NULL)
		return;
	t = (struct mbuf_trace *)(tag + 1);
	t->strlen = length;
	t->is_static = true;
	t->string_static = s;
	m_tag_prepend(m, tag);
}

static void
proto_trace_printfv(struct mbuf *m, char const *fmt, va_list ap)
{
	struct m_tag *tag;
	struct mbuf_trace *t;
	char buf[128];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	tag = m_tag_alloc(M_COOKIE_TRACE, 0, sizeof(struct mbuf_trace) + n + 1,
	    M_NOWAIT);
	if (tag == NULL)
		return;
	t = (struct mbuf_trace *)(tag + 1);
	t->strlen = n + 1;
	t->is_static = false;
	memcpy(t->string, buf, n + 1);
	m_tag_prepend(m, tag);
}

void
proto_trace_printf(struct mbuf *m, char const *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	proto_trace_printfv(m, fmt, ap);
	va_end(ap);
}

#define	mbuf_trace_position__(mbuf, file, line)				\
	proto_trace_static((mbuf), file ":" #line,			\
	    __builtin_strlen(file ":" #line) + 1)
#define	mbuf_trace_position_(mbuf, file, line)				\
	mbuf_trace_position__((mbuf), file, line)
#define	mbuf_trace_position(mbuf)					\
	mbuf_trace_position_((mbuf), __FILE__, __LINE__)

void
proto_hops_static(struct mbuf *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		mbuf_trace_position(m);
		__asm__ __volatile__("" : : : "memory");
	}
}

void
proto_hops_printf(struct mbuf *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		proto_trace_printf(m, "%s:%d: %s(%s)", __FILE__, __LINE__,
		    __func__, "vtnet0");
		__asm__ __volatile__("" : : : "memory");
	}
}

/* What m_free() does to them: m_tag_delete_chain(). */
void
proto_release(struct mbuf *m)
{

	m_tag_delete_chain(m, NULL);
}
