/*
 * Callee address spaces for the relay cases (relay_cases.c).
 *
 * The root task has no caps to the frames of its own image, so a callee
 * space gets a copy of it: every page of the image, copied into a fresh
 * frame and mapped at the same address, read + execute only. A function of
 * the suite is then an entry point at the same address in the callee, and
 * the callee's data is a snapshot taken when the space was built (callee
 * code must not write globals: those pages are not writable there, and a
 * write shows as BST_E_CALLEE_FAULT). Besides the image a callee space maps
 *   - a copy of the root task's exchange frame at its usual address, so
 *     callee code reads the detail of a failed call where it always does
 *     (the migrating thread is the root task's thread, with its frame);
 *   - the shared frame at RELAY_SHARED_ADDR, the same address as in the
 *     root task, where callees and the suite leave each other notes;
 *   - RELAY_STACK_SLOTS stacks of RELAY_STACK_SIZE at RELAY_STACK_BASE.
 * Entries registered with relay_register act in the root task's CSpace.
 */
#ifndef BASTION_TEST_RELAYTEST_H
#define BASTION_TEST_RELAYTEST_H

#include "user/lib/relay.h"

#define RELAY_SHARED_ADDR 0x382000ull /* in the root's stack page table (free), and in every callee */
#define RELAY_COPY_ADDR 0x383000ull   /* the root's: an image page is filled here */
#define RELAY_STACK_BASE 0x300000ull  /* callees: call slot i at [base + i * size, base + (i + 1) * size) */
#define RELAY_STACK_SIZE 0x2000ull
#define RELAY_STACK_SLOTS 4u
#define RELAY_IMAGE_BASE 0x1000000ull /* user/lib/user.ld */
#define RELAY_SPACE_SLOTS 512u        /* root CNode slots per callee space (its image frames among them) */
#define RELAY_MAX_SPACES 3u

struct relay_space {
    bst_cptr_t first; /* its caps: root CNode slots [first, first + RELAY_SPACE_SLOTS) */
    bst_cptr_t pml4;
};

/* The root task's image: [RELAY_IMAGE_BASE, relay_image_end()), or 0 if it cannot be found. */
uint64_t relay_image_end(void);

/* Maps frame (a fresh 4 KiB frame) at RELAY_SHARED_ADDR in the root task and zeroes it. */
uint64_t relay_shared_map(bst_cptr_t frame);

/*
 * Builds callee space n (< RELAY_MAX_SPACES) from untyped ut, sharing frame
 * shared (mapped in the root with relay_shared_map). Its caps go to slots
 * above the scratch slots; relay_space_drop deletes what the scratch reset
 * does not reach (the exchange copy, derived from a boot cap).
 */
uint64_t relay_space_make(struct relay_space *s, unsigned n, bst_cptr_t ut, bst_cptr_t shared);
void relay_space_drop(unsigned n);

/* Registers entry_point in s as entry index of table (nesting calls at most), the XEntry cap at dest. */
uint64_t relay_register(bst_cptr_t table, uint64_t index, const struct relay_space *s, void (*entry_point)(void),
                        uint64_t nesting, bst_cptr_t dest);

/* A table in table, a link stack of 2^depth_bits records in link (both from ut), bound to tcb. */
uint64_t relay_bind(bst_cptr_t tcb, bst_cptr_t ut, bst_cptr_t table, bst_cptr_t link, unsigned depth_bits);

/* Each page of [base, base + size) holds value in its first and last word; fill writes it so. */
bool relay_view_holds(uint64_t base, uint64_t size, uint64_t value);
void relay_view_fill(uint64_t base, uint64_t size, uint64_t value);

/* Reads the word at address; relay_touch_insn is the reading instruction (a fault's rip). */
uint64_t relay_touch(uint64_t address);
extern const char relay_touch_insn[];

#endif
