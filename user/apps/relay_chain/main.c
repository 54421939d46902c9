/*
 * The relay chain example, root task A (docs/relay.md walks through it).
 *
 * A spawns two processes from the module relay-stage.elf, B and C, which
 * announce their XCall entries. A registers both in its entry table (entries
 * 1 and 2), lets its own thread call B and lets B's callees call C (never A
 * itself), and attaches a 64 KiB relay segment. Then one segment travels
 * A -> B -> C and back: B upper-cases the text in the first half, C sums and
 * doubles the numbers in the second half, which is all B hands it. A checks
 * both changes, shows that it may not call C directly, that a fault in C
 * unwinds to B (and B carries on), and that C's entry still works after.
 * Every line starting "relay-chain:" is checked by tools/target-tests.
 */
#include "user/apps/relay_chain/chain.h"
#include "user/lib/ipc.h"
#include "user/lib/process.h"
#include "lib/string.h"

#define DEPTH 64
#define STAGE_MODULE "relay-stage.elf"
#define STAGE_UNTYPED_BITS 20 /* 1 MiB per stage: its image, stack, tables and kernel objects */
#define STAGE_SLOTS 64
#define LINK_STACK_BITS 2 /* 3 records after the header: A->B and B->C are in flight at once (2 needed) */

static const char message[] = "relay segments move along the chain, they are not copied";

/* Root CNode slots, from the first empty one up. */
enum { UT_A, UT_B, UT_C, UT_SEGMENT, ENDPOINT, TABLE, LINK_STACK, SEGMENT, XENTRY_B, XENTRY_C, STAGE_B_SLOTS,
       STAGE_C_SLOTS = STAGE_B_SLOTS + STAGE_SLOTS };
static bst_cptr_t slot(unsigned n) { return bst_bootinfo->empty_first_slot + n; }

/* Prints a failed step with the kernel's detail; returns e. */
static uint64_t step(const char *what, uint64_t e) { return bst_report_failure("relay-chain", what, e); }

static uint64_t retype(bst_cptr_t ut, uint64_t type, uint64_t bits, unsigned at)
{
    return bst_untyped_retype(ut, type, bits, BST_CAP_ROOT_CNODE, 0, 0, slot(at), 1);
}

/* Memory for everything, the endpoint the stages announce on, A's entry table and link stack. */
static uint64_t make_objects(void)
{
    bst_cptr_t big = bst_largest_boot_untyped();
    uint64_t e = step("untyped", retype(big, BST_OBJ_UNTYPED, 16, UT_A));
    if (!e) e = step("untyped", retype(big, BST_OBJ_UNTYPED, STAGE_UNTYPED_BITS, UT_B));
    if (!e) e = step("untyped", retype(big, BST_OBJ_UNTYPED, STAGE_UNTYPED_BITS, UT_C));
    /* A 2^n segment takes 2^n aligned bytes and 16 KiB after them: an untyped of twice its size. */
    if (!e) e = step("untyped", retype(big, BST_OBJ_UNTYPED, CHAIN_SEGMENT_BITS + 1, UT_SEGMENT));
    if (!e) e = step("endpoint", retype(slot(UT_A), BST_OBJ_ENDPOINT, 0, ENDPOINT));
    if (!e) e = step("entry table", retype(slot(UT_A), BST_OBJ_XENTRY_TABLE, 0, TABLE));
    if (!e) e = step("link stack", retype(slot(UT_A), BST_OBJ_LINK_STACK, LINK_STACK_BITS, LINK_STACK));
    if (!e) e = step("relay segment", retype(slot(UT_SEGMENT), BST_OBJ_RELAY_SEGMENT, CHAIN_SEGMENT_BITS, SEGMENT));
    if (!e) e = step("TCB_SetRelay", bst_tcb_set_relay(BST_CAP_ROOT_TCB, slot(TABLE), slot(LINK_STACK)));
    return e;
}

/* Spawns a stage and registers the entry it announces at `index`, its XEntry cap at `xentry`. */
static uint64_t start_stage(enum chain_stage stage, unsigned ut, unsigned slots, uint64_t index, unsigned xentry,
                            struct bst_process *p)
{
    const struct bst_boot_module *m = bst_boot_module(STAGE_MODULE);
    if (!m) {
        bst_printf("relay-chain: no boot module %s\n", STAGE_MODULE);
        return BST_E_INVALID_ARG;
    }
    const struct bst_spawn_cap caps[] = {{slot(ENDPOINT), CHAIN_ANNOUNCE_EP, BST_RIGHT_WRITE}};
    const struct bst_spawn params = {
        .image = (const void *)m->user_addr, .image_size = m->size, .untyped = slot(ut),
        .asid_pool = BST_CAP_ROOT_ASID_POOL, .cnode = BST_CAP_ROOT_CNODE, .first_slot = slot(slots),
        .slot_count = STAGE_SLOTS, .vspace = BST_CAP_ROOT_VSPACE, .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH,
        .authority = BST_CAP_ROOT_TCB, .priority = 128, .start_arg = stage, .stack_pages = 2,
        .caps = caps, .cap_count = 1,
    };
    uint64_t e = bst_process_spawn(&params, p);
    if (e != BST_OK) {
        bst_printf("relay-chain: spawning stage %c failed: %s (%s)\n", 'A' + stage, bst_error_name(e), p->why);
        return e;
    }
    struct bst_msg m_in;
    e = step("waiting for a stage's entry", bst_recv(slot(ENDPOINT), &m_in));
    if (e)
        return e;
    struct bst_xentry_desc d = {
        .index = index, .cspace = p->cspace, .vspace = p->vspace, .entry_point = m_in.words[CHAIN_WORD_ENTRY],
        .stack_base = m_in.words[CHAIN_WORD_STACK], .stack_size = m_in.words[CHAIN_WORD_STACK_SIZE], .max_nesting = 1,
    };
    return step("XEntryTable_Register", bst_xentry_register(slot(TABLE), &d, BST_CAP_ROOT_CNODE, slot(xentry), DEPTH));
}

/* The segment's contents as A sets them: the text, then the numbers 1..count. */
static void fill_segment(void)
{
    char *text = (char *)(BST_RELAY_WINDOW_BASE + CHAIN_TEXT_OFFSET);
    uint32_t *numbers = (uint32_t *)(BST_RELAY_WINDOW_BASE + CHAIN_NUMBERS_OFFSET);
    memcpy(text, message, sizeof message);
    for (uint32_t i = 0; i < CHAIN_NUMBER_COUNT; i++)
        numbers[i] = i + 1;
}

/* True if the text is upper case (B's work) and number i is factor * (i + 1) (C's). */
static bool segment_holds(uint32_t factor)
{
    const char *text = (const char *)(BST_RELAY_WINDOW_BASE + CHAIN_TEXT_OFFSET);
    const uint32_t *numbers = (const uint32_t *)(BST_RELAY_WINDOW_BASE + CHAIN_NUMBERS_OFFSET);
    for (size_t i = 0; i < sizeof message; i++) {
        char want = message[i] >= 'a' && message[i] <= 'z' ? (char)(message[i] - 'a' + 'A') : message[i];
        if (text[i] != want)
            return false;
    }
    for (uint32_t i = 0; i < CHAIN_NUMBER_COUNT; i++)
        if (numbers[i] != factor * (i + 1))
            return false;
    return true;
}

/* A -> B -> C and back; false (said why) unless both stages did their part. */
static bool run_chain(uint32_t factor_after)
{
    const uint64_t args[4] = {CHAIN_OP_RUN, 0, 0, 0};
    uint64_t r[4];
    if (step("XCall A -> B", bst_xcall(CHAIN_ENTRY_B, BST_RELAY_MASK_ALL, args, r)))
        return false;
    if (r[CHAIN_RESULT_STATUS] != BST_OK) {
        bst_printf("relay-chain: B's XCall to C failed: %s\n", bst_error_name(r[CHAIN_RESULT_STATUS]));
        return false;
    }
    const uint64_t c_offset = r[CHAIN_RESULT_C_VIEW] - BST_RELAY_WINDOW_BASE;
    if (c_offset != CHAIN_NUMBERS_OFFSET || r[CHAIN_RESULT_C_SIZE] != CHAIN_SEGMENT_SIZE / 2 || !segment_holds(factor_after)) {
        bst_printf("relay-chain: the segment came back wrong (C saw %llu bytes at offset %#llx)\n",
                   (unsigned long long)r[CHAIN_RESULT_C_SIZE], (unsigned long long)c_offset);
        return false;
    }
    uint64_t n = CHAIN_NUMBER_COUNT, sum = (factor_after / 2) * n * (n + 1) / 2;
    if (r[CHAIN_RESULT_C_SUM] != sum) {
        bst_printf("relay-chain: C's sum is %llu, not %llu\n", (unsigned long long)r[CHAIN_RESULT_C_SUM],
                   (unsigned long long)sum);
        return false;
    }
    return true;
}

static bool first_pass(void)
{
    fill_segment();
    if (!run_chain(2))
        return false;
    const uint32_t *numbers = (const uint32_t *)(BST_RELAY_WINDOW_BASE + CHAIN_NUMBERS_OFFSET);
    bst_printf("relay-chain: A -> B: the whole segment, %llu bytes at %#llx\n", (unsigned long long)CHAIN_SEGMENT_SIZE,
               (unsigned long long)BST_RELAY_WINDOW_BASE);
    bst_printf("relay-chain: B -> C: the second half only, %llu bytes at %#llx\n",
               (unsigned long long)(CHAIN_SEGMENT_SIZE / 2), (unsigned long long)(BST_RELAY_WINDOW_BASE + CHAIN_NUMBERS_OFFSET));
    bst_printf("relay-chain: C summed %llu numbers: %llu, and doubled them\n", (unsigned long long)CHAIN_NUMBER_COUNT,
               (unsigned long long)(CHAIN_NUMBER_COUNT * (CHAIN_NUMBER_COUNT + 1) / 2));
    bst_printf("relay-chain: back in A: \"%s\", numbers %u .. %u\n", (const char *)BST_RELAY_WINDOW_BASE, numbers[0],
               numbers[CHAIN_NUMBER_COUNT - 1]);
    return true;
}

/* A holds no call bit for C: only B's entry does. */
static bool no_shortcut(void)
{
    const uint64_t args[4] = {CHAIN_OP_RUN, 0, 0, 0};
    uint64_t r[4];
    uint64_t e = bst_xcall(CHAIN_ENTRY_C, BST_RELAY_MASK_ALL, args, r);
    if (e != BST_E_RIGHTS || bst_exchange->error.argument != 0) {
        bst_printf("relay-chain: A's XCall to C gave %s (argument %lld), not rights (argument 0)\n", bst_error_name(e),
                   (long long)bst_exchange->error.argument);
        return false;
    }
    bst_printf("relay-chain: A -> C directly: refused, %s (argument 0): A has no call bit for C\n", bst_error_name(e));
    return true;
}

/* C faults mid-call: the call unwinds to B, which returns normally to A with the error. */
static bool fault_in_c(void)
{
    const uint64_t args[4] = {CHAIN_OP_FAULT, 0, 0, 0};
    uint64_t r[4];
    if (step("XCall A -> B (C faults)", bst_xcall(CHAIN_ENTRY_B, BST_RELAY_MASK_ALL, args, r)))
        return false;
    if (r[CHAIN_RESULT_STATUS] != BST_E_CALLEE_FAULT) {
        bst_printf("relay-chain: B's XCall to a faulting C gave %s, not a callee fault\n",
                   bst_error_name(r[CHAIN_RESULT_STATUS]));
        return false;
    }
    /* The segment is back in A, unchanged by C: its write never happened. */
    if (!segment_holds(2)) {
        bst_printf("relay-chain: the segment changed although C faulted\n");
        return false;
    }
    bst_printf("relay-chain: C faulted writing outside its view: B's XCall returned %s, B carried on, "
               "the segment is back in A unchanged\n", bst_error_name(r[CHAIN_RESULT_STATUS]));
    return true;
}

int main(void)
{
    struct bst_process b, c;
    uint64_t e = make_objects();
    if (!e) e = start_stage(CHAIN_STAGE_B, UT_B, STAGE_B_SLOTS, CHAIN_ENTRY_B, XENTRY_B, &b);
    if (!e) e = start_stage(CHAIN_STAGE_C, UT_C, STAGE_C_SLOTS, CHAIN_ENTRY_C, XENTRY_C, &c);
    /* The call bits: A's thread may call B; whoever runs in B's entry may call C. */
    if (!e) e = step("GrantService B to A", bst_xentry_grant_service(slot(XENTRY_B), BST_CAP_ROOT_TCB));
    if (!e) e = step("GrantService C to B", bst_xentry_grant_service(slot(XENTRY_C), slot(XENTRY_B)));
    if (!e) e = step("RelaySegment_Attach", bst_relay_attach(slot(SEGMENT), BST_CAP_ROOT_TCB));
    if (e)
        return 1;
    bst_printf("relay-chain: B and C are entries %u and %u; A may call B, B may call C\n", CHAIN_ENTRY_B, CHAIN_ENTRY_C);
    if (!first_pass() || !no_shortcut() || !fault_in_c())
        return 1;
    if (!run_chain(4)) /* the numbers were doubled once already */
        return 1;
    bst_printf("relay-chain: C works again after its fault: sum %llu, numbers doubled again\n",
               (unsigned long long)(CHAIN_NUMBER_COUNT * (CHAIN_NUMBER_COUNT + 1)));
    bst_printf("relay-chain: done\n");
    return 0;
}
