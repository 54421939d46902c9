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
 *   - the shared frame at RELAY_SHARED_ADDR, the same address as in the
 *     root task, where callees and the suite leave each other notes;
 *   - stacks at RELAY_STACK_BASE: RELAY_STACK_SLOTS of RELAY_STACK_SIZE for
 *     each entry number below RELAY_STACK_ENTRIES (relay_stack_base), so
 *     entries of one space never share a stack.
 * Nothing else: no bootinfo, and no exchange frame (inside an XCall the
 * thread has none, docs/relay.md), so callee code never touches
 * bst_exchange or bst_bootinfo and learns only error codes.
 * Entries registered with relay_register act in the root task's CSpace.
 */
#ifndef BASTION_TEST_RELAYTEST_H
#define BASTION_TEST_RELAYTEST_H

#include "user/lib/relay.h"

#define RELAY_SHARED_ADDR 0x382000ull /* in the root's stack page table (free), and in every callee */
#define RELAY_COPY_ADDR 0x383000ull   /* the root's: an image page is filled here */
#define RELAY_STACK_BASE 0x300000ull  /* callees: the stacks of every entry */
#define RELAY_STACK_SIZE 0x1000ull
#define RELAY_STACK_SLOTS 4u          /* stacks per entry: calls of it in flight at once */
#define RELAY_STACK_ENTRIES 8u        /* entries 0..7 of a space each have their own stacks */
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
 * shared (mapped in the root with relay_shared_map). Its caps go to root
 * CNode slots above the scratch slots, all derived from ut: the scratch
 * reset takes them.
 */
uint64_t relay_space_make(struct relay_space *s, unsigned n, bst_cptr_t ut, bst_cptr_t shared);

/* Where entry `index`'s stacks begin: call slot i runs on [base + i * size, base + (i + 1) * size). */
static inline uint64_t relay_stack_base(uint64_t index)
{
    return RELAY_STACK_BASE + index * RELAY_STACK_SLOTS * RELAY_STACK_SIZE;
}

/* Registers entry_point in s as entry index (< RELAY_STACK_ENTRIES) of table, nesting calls at most,
 * with its own stacks; the XEntry cap goes to dest. */
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
