/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mbuftrace record encoder, see sys/mbuf_trace_enc.h and
 * format-spec/SPEC.md.  Compiled unchanged into the kernel and userland.
 */

#ifdef _KERNEL
#include <sys/param.h>
#include <sys/systm.h>
#endif
#include <sys/mbuf_trace_enc.h>

static size_t
mbt_strlen(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		;
	return (n);
}

static int
mbt_streq(const char *a, const char *b)
{

	if (a == b)
		return (1);
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (*a == *b);
}

static unsigned
mbt_varint_len(uint64_t v)
{
	unsigned n;

	for (n = 1; v >= 0x80; n++)
		v >>= 7;
	return (n);
}

/* Stores one byte unless the buffer already overflowed; always counts. */
static inline void
mbt_put(struct mbt_encoder *e, uint8_t b)
{

	if (e->e_len < e->e_cap)
		e->e_buf[e->e_len] = b;
	else if (e->e_error == MBT_ENC_OK)
		e->e_error = MBT_ENC_ENOSPC;
	e->e_len++;
}

void
mbt_enc_init(struct mbt_encoder *e, void *buf, size_t cap)
{

	e->e_buf = buf;
	e->e_cap = buf == NULL ? 0 : cap;
	e->e_len = 0;
	e->e_error = MBT_ENC_OK;
}

void
mbt_enc_u8(struct mbt_encoder *e, uint8_t v)
{

	mbt_put(e, v);
}

void
mbt_enc_u16(struct mbt_encoder *e, uint16_t v)
{

	mbt_put(e, (uint8_t)(v >> 8));
	mbt_put(e, (uint8_t)v);
}

void
mbt_enc_varint(struct mbt_encoder *e, uint64_t v)
{

	while (v >= 0x80) {
		mbt_put(e, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	mbt_put(e, (uint8_t)v);
}

void
mbt_enc_bytes(struct mbt_encoder *e, const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		mbt_put(e, s[i]);
}

void
mbt_enc_header(struct mbt_encoder *e, uint8_t kind, uint16_t flags,
    uint16_t linktype)
{

	mbt_put(e, MBT_MAGIC0);
	mbt_put(e, MBT_MAGIC1);
	mbt_put(e, MBT_MAGIC2);
	mbt_put(e, MBT_MAGIC3);
	mbt_put(e, MBT_VERSION_MAJOR);
	mbt_put(e, MBT_VERSION_MINOR);
	mbt_put(e, kind);
	mbt_put(e, 0);
	mbt_enc_u16(e, flags);
	mbt_enc_u16(e, linktype);
	/* Length, patched by mbt_enc_finish(). */
	mbt_enc_u16(e, 0);
	mbt_enc_u16(e, 0);
}

/*
 * Starts a TLV with a one-byte length; mbt_enc_tlv_end() widens it in place
 * when the value turns out longer, so that values are written only once.
 */
size_t
mbt_enc_tlv_begin(struct mbt_encoder *e, uint8_t type)
{
	size_t mark;

	mbt_put(e, type);
	mark = e->e_len;
	mbt_put(e, 0);
	return (mark);
}

void
mbt_enc_tlv_end(struct mbt_encoder *e, size_t mark)
{
	uint64_t vlen;
	size_t i, extra, end;
	unsigned n;

	vlen = e->e_len - mark - 1;
	n = mbt_varint_len(vlen);
	extra = n - 1;
	end = e->e_len;
	e->e_len += extra;
	if (e->e_error != MBT_ENC_OK || e->e_len > e->e_cap) {
		if (e->e_error == MBT_ENC_OK)
			e->e_error = MBT_ENC_ENOSPC;
		return;
	}
	for (i = end; i > mark + 1; i--)
		e->e_buf[i - 1 + extra] = e->e_buf[i - 1];
	for (i = 0; i < n; i++) {
		e->e_buf[mark + i] = (uint8_t)(vlen | (i + 1 < n ? 0x80 : 0));
		vlen >>= 7;
	}
}

void
mbt_enc_tlv_varint(struct mbt_encoder *e, uint8_t type, uint64_t v)
{

	mbt_put(e, type);
	mbt_put(e, (uint8_t)mbt_varint_len(v));
	mbt_enc_varint(e, v);
}

void
mbt_enc_tlv_bytes(struct mbt_encoder *e, uint8_t type, const void *p,
    size_t n)
{

	mbt_put(e, type);
	mbt_enc_varint(e, n);
	mbt_enc_bytes(e, p, n);
}

int
mbt_enc_finish(struct mbt_encoder *e, size_t *lenp)
{
	size_t len = e->e_len;

	if (lenp != NULL)
		*lenp = len;
	if (len > MBT_MAX_RECORD_LEN && e->e_error == MBT_ENC_OK)
		e->e_error = MBT_ENC_EINVAL;
	if (e->e_error != MBT_ENC_OK)
		return (e->e_error);
	e->e_buf[MBT_HDR_OFF_LENGTH] = (uint8_t)(len >> 24);
	e->e_buf[MBT_HDR_OFF_LENGTH + 1] = (uint8_t)(len >> 16);
	e->e_buf[MBT_HDR_OFF_LENGTH + 2] = (uint8_t)(len >> 8);
	e->e_buf[MBT_HDR_OFF_LENGTH + 3] = (uint8_t)len;
	return (MBT_ENC_OK);
}

/*
 * String tables.  While interning, files fill the scratch array from the
 * front and other names from the back, so one array serves both; then both
 * are sorted, which makes neighbours share long prefixes for front coding.
 * A string's index is its position in its sorted table.
 */
struct mbt_strtabs {
	const char	**st_s;
	const char	**st_names;	/* set once sorted */
	unsigned	  st_cap;
	unsigned	  st_nfiles;
	unsigned	  st_nnames;
};

static int
mbt_strcmp(const char *a, const char *b)
{

	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return ((int)(unsigned char)*a - (int)(unsigned char)*b);
}

static const char *
mbt_tab_get(const struct mbt_strtabs *t, int files, unsigned i)
{

	if (files)
		return (t->st_s[i]);
	if (t->st_names != NULL)
		return (t->st_names[i]);
	return (t->st_s[t->st_cap - 1 - i]);
}

static int
mbt_find(const struct mbt_strtabs *t, int files, const char *s,
    unsigned *idx)
{
	unsigned i, n;

	n = files ? t->st_nfiles : t->st_nnames;
	for (i = 0; i < n; i++) {
		if (mbt_streq(mbt_tab_get(t, files, i), s)) {
			*idx = i;
			return (1);
		}
	}
	return (0);
}

static int
mbt_intern(struct mbt_strtabs *t, int files, const char *s)
{
	unsigned idx;

	if (s == NULL)
		return (MBT_ENC_EINVAL);
	if (mbt_find(t, files, s, &idx))
		return (MBT_ENC_OK);
	if (t->st_nfiles + t->st_nnames >= t->st_cap)
		return (MBT_ENC_ESTRINGS);
	if (files)
		t->st_s[t->st_nfiles++] = s;
	else
		t->st_s[t->st_cap - 1 - t->st_nnames++] = s;
	return (MBT_ENC_OK);
}

static void
mbt_sort(const char **v, unsigned n)
{
	const char *x;
	unsigned i, j;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && mbt_strcmp(v[j - 1], x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Moves the names next to the files, in first-use order, and sorts both. */
static void
mbt_tabs_sort(struct mbt_strtabs *t)
{
	const char **names, *x;
	unsigned i, n;

	n = t->st_nnames;
	names = t->st_s + t->st_cap - n;
	for (i = 0; i < n / 2; i++) {
		x = names[i];
		names[i] = names[n - 1 - i];
		names[n - 1 - i] = x;
	}
	/* Moving down never overwrites a name not yet moved. */
	for (i = 0; i < n; i++)
		t->st_s[t->st_nfiles + i] = names[i];
	t->st_names = t->st_s + t->st_nfiles;
	mbt_sort(t->st_s, t->st_nfiles);
	mbt_sort(t->st_names, n);
}

static int
mbt_intern_hop(struct mbt_strtabs *t, const struct mbt_hop_view *hv)
{
	int error;

	error = mbt_intern(t, 1, hv->hv_file);
	if (error == 0)
		error = mbt_intern(t, 0, hv->hv_func);
	if (error == 0 && (hv->hv_has & MBT_HV_IFACE) != 0)
		error = mbt_intern(t, 0, hv->hv_ifname);
	if (error == 0 && (hv->hv_has & MBT_HV_RULE) != 0)
		error = mbt_intern(t, 0, hv->hv_ruleset);
	if (error == 0 && (hv->hv_has & MBT_HV_MSG) != 0)
		error = mbt_intern(t, 0, hv->hv_msg);
	if (error == 0 && (hv->hv_has & MBT_HV_DROP) != 0)
		error = mbt_intern(t, 0, hv->hv_drop);
	if (error == 0 && (hv->hv_has & MBT_HV_NODE) != 0) {
		error = mbt_intern(t, 0, hv->hv_node);
		if (error == 0)
			error = mbt_intern(t, 0, hv->hv_hook);
	}
	return (error);
}

/* Front coding: each entry shares a prefix with the one before it. */
static void
mbt_enc_strtab(struct mbt_encoder *e, uint8_t type,
    const struct mbt_strtabs *t, int files)
{
	const char *prev, *s;
	size_t mark, p;
	unsigned i, n;

	n = files ? t->st_nfiles : t->st_nnames;
	if (n == 0)
		return;
	mark = mbt_enc_tlv_begin(e, type);
	prev = "";
	for (i = 0; i < n; i++) {
		s = mbt_tab_get(t, files, i);
		for (p = 0; p < 255 && prev[p] != '\0' && prev[p] == s[p]; p++)
			;
		mbt_put(e, (uint8_t)p);
		mbt_enc_bytes(e, s + p, mbt_strlen(s + p) + 1);
		prev = s;
	}
	mbt_enc_tlv_end(e, mark);
}

static void
mbt_enc_ref(struct mbt_encoder *e, const struct mbt_strtabs *t, int files,
    const char *s)
{
	unsigned idx = 0;

	(void)mbt_find(t, files, s, &idx);
	mbt_enc_varint(e, idx);
}

static inline int
mbt_xlate_ver_ok(uint8_t ver)
{

	return (ver == MBT_XLATE_IPV4 || ver == MBT_XLATE_IPV6);
}

static void
mbt_enc_xlate_side(struct mbt_encoder *e, const struct mbt_xlate_side *xs)
{
	size_t alen;

	/* mbt_encode_trace() checked the versions. */
	alen = xs->xs_ver == MBT_XLATE_IPV4 ? 4 : 16;
	mbt_put(e, xs->xs_ver);
	mbt_enc_bytes(e, xs->xs_src, alen);
	mbt_enc_bytes(e, xs->xs_dst, alen);
	mbt_enc_u16(e, xs->xs_sport);
	mbt_enc_u16(e, xs->xs_dport);
}

static void
mbt_enc_hop(struct mbt_encoder *e, const struct mbt_strtabs *t,
    const struct mbt_hop_view *hv, int vnet_changed, int cpu_changed)
{
	size_t mark, a;

	mark = mbt_enc_tlv_begin(e, MBT_T_HOP);
	mbt_put(e, (uint8_t)(hv->hv_kind << MBT_HOP_KIND_SHIFT |
	    hv->hv_depth));
	mbt_put(e, hv->hv_subsys);
	mbt_enc_ref(e, t, 1, hv->hv_file);
	mbt_enc_varint(e, hv->hv_line);
	mbt_enc_ref(e, t, 0, hv->hv_func);
	mbt_enc_varint(e, hv->hv_time);
	if (vnet_changed)
		mbt_enc_tlv_varint(e, MBT_A_VNET, hv->hv_vnet);
	if (cpu_changed)
		mbt_enc_tlv_varint(e, MBT_A_CPU, hv->hv_cpu);
	if ((hv->hv_has & MBT_HV_IFACE) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_IFACE);
		mbt_enc_varint(e, hv->hv_ifindex);
		mbt_put(e, hv->hv_dir);
		mbt_enc_ref(e, t, 0, hv->hv_ifname);
		mbt_enc_tlv_end(e, a);
	}
	if ((hv->hv_has & MBT_HV_RULE) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_RULE);
		mbt_enc_ref(e, t, 0, hv->hv_ruleset);
		mbt_enc_varint(e, hv->hv_rule);
		mbt_put(e, hv->hv_action);
		mbt_enc_tlv_end(e, a);
	}
	if ((hv->hv_has & MBT_HV_MSG) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_MSG);
		mbt_enc_ref(e, t, 0, hv->hv_msg);
		mbt_enc_tlv_end(e, a);
	}
	if ((hv->hv_has & MBT_HV_DROP) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_DROP);
		mbt_enc_ref(e, t, 0, hv->hv_drop);
		mbt_enc_tlv_end(e, a);
	}
	if ((hv->hv_has & MBT_HV_NODE) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_NODE);
		mbt_enc_ref(e, t, 0, hv->hv_node);
		mbt_enc_ref(e, t, 0, hv->hv_hook);
		mbt_enc_tlv_end(e, a);
	}
	if ((hv->hv_has & MBT_HV_COPY) != 0)
		mbt_enc_tlv_varint(e, MBT_A_COPY, hv->hv_copy_id);
	if ((hv->hv_has & MBT_HV_XLATE) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_XLATE);
		mbt_put(e, hv->hv_xlate->xl_proto);
		mbt_enc_xlate_side(e, &hv->hv_xlate->xl_before);
		mbt_enc_xlate_side(e, &hv->hv_xlate->xl_after);
		mbt_enc_tlv_end(e, a);
	}
	if ((hv->hv_has & MBT_HV_STATE) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_STATE);
		mbt_enc_varint(e, hv->hv_state_id);
		mbt_enc_varint(e, hv->hv_state_creator);
		mbt_put(e, hv->hv_state_how);
		mbt_enc_tlv_end(e, a);
	}
	if ((hv->hv_has & MBT_HV_SNAP) != 0) {
		a = mbt_enc_tlv_begin(e, MBT_A_SNAPSHOT);
		mbt_enc_u16(e, hv->hv_snap_linktype);
		mbt_enc_bytes(e, hv->hv_snap, hv->hv_snaplen);
		mbt_enc_tlv_end(e, a);
	}
	mbt_enc_tlv_end(e, mark);
}

static void
mbt_get_hop(mbt_hop_fn *fn, void *arg, unsigned i, struct mbt_hop_view *hv)
{
	uint8_t *p = (uint8_t *)hv;
	size_t k;

	for (k = 0; k < sizeof(*hv); k++)
		p[k] = 0;
	fn(arg, i, hv);
}

int
mbt_encode_trace(const struct mbt_record_view *rv, mbt_hop_fn *fn,
    void *arg, unsigned nhops, const char **strs, unsigned nstrs,
    void *buf, size_t cap, size_t *lenp)
{
	struct mbt_encoder e;
	struct mbt_strtabs t;
	struct mbt_hop_view hv;
	uint32_t vnet = 0, cpu = 0;
	int error, have_vnet = 0, have_cpu = 0, vc, cc;
	unsigned i;

	if (lenp != NULL)
		*lenp = 0;
	t.st_s = strs;
	t.st_names = NULL;
	t.st_cap = nstrs;
	t.st_nfiles = t.st_nnames = 0;
	for (i = 0; i < nhops; i++) {
		mbt_get_hop(fn, arg, i, &hv);
		if (hv.hv_kind > MBT_HK_LEAVE ||
		    hv.hv_depth > MBT_HOP_DEPTH_MAX)
			return (MBT_ENC_EINVAL);
		if ((hv.hv_has & MBT_HV_SNAP) != 0 && hv.hv_snap == NULL &&
		    hv.hv_snaplen != 0)
			return (MBT_ENC_EINVAL);
		if ((hv.hv_has & MBT_HV_XLATE) != 0 && (hv.hv_xlate == NULL ||
		    !mbt_xlate_ver_ok(hv.hv_xlate->xl_before.xs_ver) ||
		    !mbt_xlate_ver_ok(hv.hv_xlate->xl_after.xs_ver)))
			return (MBT_ENC_EINVAL);
		error = mbt_intern_hop(&t, &hv);
		if (error != 0)
			return (error);
	}
	mbt_tabs_sort(&t);

	mbt_enc_init(&e, buf, cap);
	mbt_enc_header(&e, MBT_KIND_TRACE, rv->rv_flags, rv->rv_linktype);
	mbt_enc_tlv_varint(&e, MBT_T_TRACE_ID, rv->rv_trace_id);
	if ((rv->rv_has & MBT_RV_PARENT) != 0)
		mbt_enc_tlv_varint(&e, MBT_T_PARENT_ID, rv->rv_parent_id);
	if ((rv->rv_has & MBT_RV_PACKET_ID) != 0)
		mbt_enc_tlv_varint(&e, MBT_T_PACKET_ID, rv->rv_packet_id);
	if (rv->rv_hops_lost != 0 || rv->rv_alloc_fail != 0) {
		size_t a = mbt_enc_tlv_begin(&e, MBT_T_LOST);
		mbt_enc_varint(&e, rv->rv_hops_lost);
		mbt_enc_varint(&e, rv->rv_alloc_fail);
		mbt_enc_tlv_end(&e, a);
	}
	mbt_enc_strtab(&e, MBT_T_FILES, &t, 1);
	mbt_enc_strtab(&e, MBT_T_NAMES, &t, 0);
	for (i = 0; i < nhops; i++) {
		mbt_get_hop(fn, arg, i, &hv);
		/* VNET and CPU are written only when they change. */
		vc = (hv.hv_has & MBT_HV_VNET) != 0 &&
		    (!have_vnet || hv.hv_vnet != vnet);
		cc = (hv.hv_has & MBT_HV_CPU) != 0 &&
		    (!have_cpu || hv.hv_cpu != cpu);
		if (vc) {
			vnet = hv.hv_vnet;
			have_vnet = 1;
		}
		if (cc) {
			cpu = hv.hv_cpu;
			have_cpu = 1;
		}
		mbt_enc_hop(&e, &t, &hv, vc, cc);
	}
	return (mbt_enc_finish(&e, lenp));
}
