/*
 * TEST STAND-IN, NOT FreeBSD CODE: bpf_validate()/bpf_filter() of the
 * stand-in, done by libpcap's implementations of the same classic BPF.
 * Kept apart because pcap's headers and the kernel stand-in clash.
 */
#include <pcap/pcap.h>

int	standin_pcap_validate(const void *insns, int len);
unsigned standin_pcap_filter(const void *insns, const unsigned char *p,
	    unsigned wirelen, unsigned buflen);

int
standin_pcap_validate(const void *insns, int len)
{

	return (bpf_validate((const struct bpf_insn *)insns, len));
}

unsigned
standin_pcap_filter(const void *insns, const unsigned char *p,
    unsigned wirelen, unsigned buflen)
{

	return (bpf_filter((const struct bpf_insn *)insns, p, wirelen,
	    buflen));
}
