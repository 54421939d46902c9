/* What the benchmark partner process does (its start argument) and where its caps are. */
#ifndef BASTION_BENCH_ROLES_H
#define BASTION_BENCH_ROLES_H

#include "user/lib/bastion.h"

enum bench_role { BENCH_ROLE_ECHO = 1, BENCH_ROLE_STAMP, BENCH_ROLE_YIELD, BENCH_ROLE_CREATE, BENCH_ROLE_COPY,
                  BENCH_ROLE_COUNT };

#define BENCH_EP_A BST_CHILD_FIRST_FREE
#define BENCH_EP_B (BST_CHILD_FIRST_FREE + 1)

/*
 * The copy partner (copy_ipc_* rows; bench/copy/, its own module
 * bench-copy, so this one's image stays as it was): the root hands the partner a buffer in
 * 64-word messages (label BENCH_COPY_PUT, BENCH_COPY_CHUNK bytes each, in
 * order), then takes it back with empty messages (label BENCH_COPY_GET) whose
 * replies carry the chunks in order. The first GET after the PUTs makes the
 * partner touch the first and last byte of what it holds. The partner's
 * buffer is mapped by the root at BENCH_COPY_BUFFER in its address space.
 */
#define BENCH_COPY_PUT 1u
#define BENCH_COPY_GET 2u
#define BENCH_COPY_CHUNK (8u * BST_MSG_MAX_WORDS) /* 512 bytes: words 0-3 in registers, 4-63 in the exchange frame */
#define BENCH_COPY_BUFFER 0x0000008000000000ull  /* PML4 slot 1: above the partner's image */
#define BENCH_COPY_MAX_BITS 28                    /* 256 MiB */

/*
 * The same partner is the callee of the relay rows (xcall_xret, relay_*):
 * its address space holds two XCall entries (BST_XENTRY_TRAMPOLINE) that the
 * root registers in its own entry table. A BENCH_RELAY_WHERE message asks
 * where they are; the reply's words are BENCH_RELAY_WORD_*.
 */
#define BENCH_RELAY_WHERE 3u
enum { BENCH_RELAY_WORD_NULL, BENCH_RELAY_WORD_TOUCH, BENCH_RELAY_WORD_STACK, BENCH_RELAY_WORD_STACK_SIZE };

#endif
