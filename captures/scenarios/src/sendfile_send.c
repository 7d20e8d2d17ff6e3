/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Copyright (c) 2026 The mbuftrace authors
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *
 * THIS SOFTWARE IS PROVIDED BY THE AUTHOR AND CONTRIBUTORS ``AS IS'' AND
 * ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
 * IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
 * ARE DISCLAIMED.  IN NO EVENT SHALL THE AUTHOR OR CONTRIBUTORS BE LIABLE
 * FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
 * DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS
 * OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
 * HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT
 * LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY
 * OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF
 * SUCH DAMAGE.
 */

/*
 * sendfile_send: connects to host:port and sends a file with sendfile(2),
 * then shuts down its side and waits for the peer to close.  With
 * kern.ipc.mb_use_ext_pgs=1 the data leaves as unmapped (M_EXTPG) mbufs.
 * Used by captures/scenarios/14-sendfile-filter.sh; the VM's world has no
 * other program that calls sendfile(2).
 *
 *	sendfile_send [-n] host port file
 *
 * -n passes SF_NOCACHE.  Prints the number of bytes sent.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void	usage(void) __dead2;

static void
usage(void)
{

	fprintf(stderr, "usage: sendfile_send [-n] host port file\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct addrinfo hints, *ai, *res;
	struct stat st;
	char buf[512];
	off_t off, sbytes;
	ssize_t n;
	int ch, error, fd, flags, s, saved;
	u_int calls;

	flags = 0;
	while ((ch = getopt(argc, argv, "n")) != -1) {
		switch (ch) {
		case 'n':
			flags |= SF_NOCACHE;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		usage();

	if ((fd = open(argv[2], O_RDONLY)) == -1)
		err(1, "%s", argv[2]);
	if (fstat(fd, &st) == -1)
		err(1, "fstat %s", argv[2]);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	error = getaddrinfo(argv[0], argv[1], &hints, &res);
	if (error != 0)
		errx(1, "%s %s: %s", argv[0], argv[1], gai_strerror(error));
	s = -1;
	saved = 0;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (s == -1) {
			saved = errno;
			continue;
		}
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	if (s == -1) {
		errno = saved;
		err(1, "connect %s %s", argv[0], argv[1]);
	}

	/*
	 * A blocking socket: sendfile(2) returns when all is queued, or
	 * early on a signal with sbytes telling how far it got.
	 */
	calls = 0;
	for (off = 0; off < st.st_size; off += sbytes) {
		sbytes = 0;
		calls++;
		if (sendfile(fd, s, off, (size_t)(st.st_size - off), NULL,
		    &sbytes, flags) == -1 && errno != EINTR && errno != EAGAIN)
			err(1, "sendfile at %jd", (intmax_t)off);
		if (sbytes == 0)
			errx(1, "sendfile at %jd: no progress", (intmax_t)off);
	}
	if (shutdown(s, SHUT_WR) == -1)
		err(1, "shutdown");
	/* The peer closes once it has read everything. */
	while ((n = read(s, buf, sizeof(buf))) > 0)
		;
	if (n == -1)
		err(1, "read");
	close(s);
	close(fd);
	printf("sendfile_send: %jd bytes in %u sendfile calls\n",
	    (intmax_t)off, calls);
	return (0);
}
