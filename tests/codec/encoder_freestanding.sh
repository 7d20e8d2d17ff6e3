#!/bin/sh
# The encoder must build into a kernel: freestanding, no libc, no allocation.
# Compile it so and check that it references no outside symbol at all.
set -eu
src=$1/kernel/sys/kern/subr_mbuf_trace_enc.c
obj=$(mktemp --suffix=.o)
trap 'rm -f "$obj"' EXIT
${CC:-cc} -std=c99 -O2 -ffreestanding -fno-builtin -fno-stack-protector \
	-Wall -Wextra -Werror -I"$1/kernel/sys" -c "$src" -o "$obj"
undef=$(nm -u "$obj")
if [ -n "$undef" ]; then
	echo "encoder needs outside symbols:" >&2
	echo "$undef" >&2
	exit 1
fi
echo "encoder is freestanding: no undefined symbols"
