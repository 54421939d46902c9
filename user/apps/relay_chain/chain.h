/*
 * The relay chain example (user/apps/relay_chain/, docs/relay.md): what the
 * root task A and the stages B and C agree on. A owns a 64 KiB relay segment,
 * hands it whole to B with XCall; B hands the second half on to C; each step
 * changes the data it sees and XRets, so the segment comes back to A changed
 * by both, and never copied.
 */
#ifndef BASTION_APPS_RELAY_CHAIN_H
#define BASTION_APPS_RELAY_CHAIN_H

#include "user/lib/relay.h"

#define CHAIN_SEGMENT_BITS 16 /* 64 KiB: mapped with 4 KiB pages, the granule of its masks */
#define CHAIN_SEGMENT_SIZE (1ull << CHAIN_SEGMENT_BITS)

/*
 * The segment's layout: text in the first half (B upper-cases it), 32-bit
 * numbers in the second half (C sums and doubles them). B hands C only the
 * second half: mask offset CHAIN_NUMBERS_OFFSET, size 2^CHAIN_NUMBERS_BITS.
 */
#define CHAIN_TEXT_OFFSET 0ull
#define CHAIN_NUMBERS_OFFSET (CHAIN_SEGMENT_SIZE / 2)
#define CHAIN_NUMBERS_BITS (CHAIN_SEGMENT_BITS - 1)
#define CHAIN_NUMBER_COUNT ((CHAIN_SEGMENT_SIZE / 2) / sizeof(uint32_t))

/* Entry numbers in A's entry table. A may call B; only B's callees may call C. */
#define CHAIN_ENTRY_B 1u
#define CHAIN_ENTRY_C 2u

/* Argument word 0 of an XCall: what to do. */
enum chain_op {
    CHAIN_OP_RUN = 1,   /* the normal pass: B changes its part, calls C, C changes its part */
    CHAIN_OP_FAULT = 2, /* B calls C, which touches a byte outside its view and faults */
};

/*
 * B's results to A (XRet words): its own status, then what C answered.
 * Status CHAIN_OK, or the error B's XCall to C returned (a bst_error).
 */
#define CHAIN_OK 0u
enum { CHAIN_RESULT_STATUS, CHAIN_RESULT_C_SUM, CHAIN_RESULT_C_VIEW, CHAIN_RESULT_C_SIZE };

/* Which stage a spawned process is (its start argument), and where it announces its entry. */
enum chain_stage { CHAIN_STAGE_B = 1, CHAIN_STAGE_C = 2 };
#define CHAIN_ANNOUNCE_EP BST_CHILD_FIRST_FREE
/* The announcement's words: entry point, stack base, stack size (one call in flight). */
enum { CHAIN_WORD_ENTRY, CHAIN_WORD_STACK, CHAIN_WORD_STACK_SIZE, CHAIN_ANNOUNCE_WORDS };

#endif
