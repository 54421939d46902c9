/*
 * W^X per frame: a frame is writable in all its mappings or executable in
 * all of them, never both at once, whatever cap, copy or address space the
 * mappings come from (docs/vspace.md). Frame_Map refuses the second kind
 * with BST_E_ILLEGAL_OPERATION naming the rights argument, and changes
 * nothing; unmapping the other kind first makes it succeed.
 *
 * Mappings go to PML4 slot 2 of the root task (BASE) and of a fresh address
 * space; everything comes from a scratch untyped and goes with it.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/tthread.h"
#include "user/lib/ipc.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include <bastion/tcb.h>

#define UT_BITS 22 /* 4 MiB: room for a 2 MiB frame */
#define S(n) scratch_slot(n)
#define VSPACE BST_CAP_ROOT_VSPACE
#define BASE 0x10000000000ull /* PML4 slot 2: nothing of the root task's is there */
#define PAGE BST_PAGE_SIZE
#define LARGE (1ull << BST_FRAME_2M_BITS)
#define R BST_RIGHT_READ
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define RX (BST_RIGHT_READ | BST_RIGHT_EXECUTE)
#define WB BST_CACHE_WRITE_BACK
#define FRAME S(1)
#define COPY S(2)
#define COPY2 S(3)
#define OTHER_VSPACE S(4)
#define EP S(5)
#define RECV_SLOT S(6)
#define TABLES 10 /* S(10).. : PDPT, PD, PT per address space */
#define HELPER_PRIORITY 100
#define ROOT_PRIORITY 128

enum { ARG_VSPACE, ARG_VADDR, ARG_RIGHTS, ARG_CACHE };

/* Retypes PDPT, PD and PT (slots first..first+2) and maps them at BASE of vspace. */
static uint64_t tables(bst_cptr_t vspace, unsigned first)
{
    static const uint64_t types[] = {BST_OBJ_PDPT, BST_OBJ_PAGE_DIRECTORY, BST_OBJ_PAGE_TABLE};
    for (unsigned i = 0; i < 3; i++) {
        uint64_t e = bst_untyped_retype(S(0), types[i], 0, ROOT, 0, 0, S(first + i), 1);
        if (e == BST_OK)
            e = bst_page_table_map(S(first + i), vspace, BASE);
        if (e != BST_OK)
            return e;
    }
    return BST_OK;
}

static uint64_t copy(bst_cptr_t to, bst_cptr_t from)
{
    return bst_cnode_copy(ROOT, to, ROOT_DEPTH, ROOT, from, ROOT_DEPTH, BST_RIGHTS_ALL);
}

/* A frame in FRAME mapped read-write at BASE of the root task, holding `mov $42, %eax; ret`. */
static bool code_frame(void)
{
    static const uint8_t code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
    if (tables(VSPACE, TABLES) != BST_OK ||
        bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, FRAME, 1) != BST_OK ||
        bst_frame_map(FRAME, VSPACE, BASE, RW, WB) != BST_OK)
        return false;
    volatile uint8_t *dst = (volatile uint8_t *)BASE;
    for (unsigned i = 0; i < sizeof(code); i++)
        dst[i] = code[i];
    return true;
}

/* The refusal's detail: the rights argument, and the rights still possible (READ up to `allowed`). */
static bool alias_refused(uint64_t e, uint64_t allowed)
{
    const struct bst_error_detail *d = &bst_exchange->error;
    return e == BST_E_ILLEGAL_OPERATION && d->code == BST_E_ILLEGAL_OPERATION && d->argument == ARG_RIGHTS &&
           d->min == R && d->max == allowed;
}

/* The refused cap is still unmapped: word 2 of an unmapped frame cap is 0 (debug cap info). */
static bool unmapped(bst_cptr_t frame) { return cap_info(frame).badge == 0; }

static int run_code(uint64_t vaddr) { return ((int (*)(void))(uintptr_t)vaddr)(); }

CASE_WITH_SCRATCH(writable_then_executable_same_space)
{
    CHECK(code_frame());
    CHECK(copy(COPY, FRAME) == BST_OK);
    CHECK(alias_refused(bst_frame_map(COPY, VSPACE, BASE + PAGE, RX, WB), RW));
    CHECK(unmapped(COPY));
    /* Nothing changed: the slot at BASE + PAGE is still empty, a read-only alias is fine. */
    CHECK(bst_frame_map(COPY, VSPACE, BASE + PAGE, R, WB) == BST_OK);
    CHECK(*(volatile uint8_t *)(BASE + PAGE) == 0xb8);
    CHECK(bst_frame_unmap(COPY) == BST_OK);
    /* Unmapping the writable alias makes the executable mapping possible, and it runs. */
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_frame_map(COPY, VSPACE, BASE + PAGE, RX, WB) == BST_OK);
    CHECK(run_code(BASE + PAGE) == 42);
    return 0;
}

CASE_WITH_SCRATCH(executable_then_writable_same_space)
{
    CHECK(code_frame());
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_frame_map(FRAME, VSPACE, BASE, RX, WB) == BST_OK);
    CHECK(copy(COPY, FRAME) == BST_OK);
    CHECK(alias_refused(bst_frame_map(COPY, VSPACE, BASE + PAGE, RW, WB), RX));
    CHECK(unmapped(COPY));
    /* Another executable or read-only alias is fine. */
    CHECK(bst_frame_map(COPY, VSPACE, BASE + PAGE, RX, WB) == BST_OK);
    CHECK(run_code(BASE + PAGE) == 42 && run_code(BASE) == 42);
    CHECK(copy(COPY2, COPY) == BST_OK); /* a copy of a copy */
    CHECK(alias_refused(bst_frame_map(COPY2, VSPACE, BASE + 2 * PAGE, RW, WB), RX));
    /* Both executable mappings must go before the frame is writable again. */
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(alias_refused(bst_frame_map(COPY2, VSPACE, BASE + 2 * PAGE, RW, WB), RX));
    CHECK(bst_frame_unmap(COPY) == BST_OK);
    CHECK(bst_frame_map(COPY2, VSPACE, BASE + 2 * PAGE, RW, WB) == BST_OK);
    *(volatile uint8_t *)(BASE + 2 * PAGE + 1) = 7;
    CHECK(*(volatile uint8_t *)(BASE + 2 * PAGE + 1) == 7);
    return 0;
}

CASE_WITH_SCRATCH(aliases_across_address_spaces)
{
    CHECK(code_frame());
    CHECK(bst_untyped_retype(S(0), BST_OBJ_PML4, 0, ROOT, 0, 0, OTHER_VSPACE, 1) == BST_OK);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, OTHER_VSPACE, 0) == BST_OK);
    CHECK(tables(OTHER_VSPACE, TABLES + 3) == BST_OK);
    CHECK(copy(COPY, FRAME) == BST_OK);
    CHECK(alias_refused(bst_frame_map(COPY, OTHER_VSPACE, BASE, RX, WB), RW));
    CHECK(unmapped(COPY));
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_frame_map(COPY, OTHER_VSPACE, BASE, RX, WB) == BST_OK);
    /* Now the other way: executable there, so not writable here. */
    CHECK(alias_refused(bst_frame_map(FRAME, VSPACE, BASE, RW, WB), RX));
    CHECK(bst_frame_map(FRAME, VSPACE, BASE, R, WB) == BST_OK);
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_frame_unmap(COPY) == BST_OK);
    CHECK(bst_frame_map(FRAME, VSPACE, BASE, RW, WB) == BST_OK);
    return 0;
}

/* A mapping that went stale (its address space died) maps nothing, so it no longer counts. */
CASE_WITH_SCRATCH(stale_mapping_does_not_count)
{
    CHECK(code_frame());
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_PML4, 0, ROOT, 0, 0, OTHER_VSPACE, 1) == BST_OK);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, OTHER_VSPACE, 0) == BST_OK);
    CHECK(tables(OTHER_VSPACE, TABLES + 3) == BST_OK);
    CHECK(copy(COPY, FRAME) == BST_OK);
    CHECK(bst_frame_map(COPY, OTHER_VSPACE, BASE, RX, WB) == BST_OK);
    CHECK(alias_refused(bst_frame_map(FRAME, VSPACE, BASE, RW, WB), RX));
    /* The page table above the executable mapping goes: the record in COPY is stale. */
    CHECK(bst_page_table_unmap(S(TABLES + 5)) == BST_OK);
    CHECK(bst_frame_map(FRAME, VSPACE, BASE, RW, WB) == BST_OK);
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    /* The address space dies with an executable mapping in it. */
    CHECK(bst_page_table_map(S(TABLES + 5), OTHER_VSPACE, BASE) == BST_OK);
    CHECK(bst_frame_unmap(COPY) == BST_OK);
    CHECK(bst_frame_map(COPY, OTHER_VSPACE, BASE, RX, WB) == BST_OK);
    CHECK(alias_refused(bst_frame_map(FRAME, VSPACE, BASE, RW, WB), RX));
    CHECK(bst_cnode_delete(ROOT, OTHER_VSPACE, ROOT_DEPTH) == BST_OK);
    CHECK(bst_frame_map(FRAME, VSPACE, BASE, RW, WB) == BST_OK);
    return 0;
}

/* Deleting the cap of a mapping (not only Unmap) lifts its restriction; so does deleting the original. */
CASE_WITH_SCRATCH(delete_clears_the_alias)
{
    CHECK(code_frame());
    CHECK(copy(COPY, FRAME) == BST_OK);
    CHECK(copy(COPY2, COPY) == BST_OK);
    CHECK(alias_refused(bst_frame_map(COPY2, VSPACE, BASE + PAGE, RX, WB), RW));
    CHECK(bst_cnode_delete(ROOT, FRAME, ROOT_DEPTH) == BST_OK); /* the writable mapping goes with it */
    CHECK(bst_frame_map(COPY2, VSPACE, BASE + PAGE, RX, WB) == BST_OK);
    CHECK(run_code(BASE + PAGE) == 42);
    /* The copies, now among the Untyped's children, still see each other. */
    CHECK(alias_refused(bst_frame_map(COPY, VSPACE, BASE + 2 * PAGE, RW, WB), RX));
    CHECK(bst_cnode_delete(ROOT, COPY2, ROOT_DEPTH) == BST_OK);
    CHECK(bst_frame_map(COPY, VSPACE, BASE + 2 * PAGE, RW, WB) == BST_OK);
    return 0;
}

static volatile uint64_t received;
static struct tthread helper;

static void receive_frame(uint64_t unused)
{
    (void)unused;
    struct bst_exchange *x = helper.exchange;
    x->receive_root = 0;
    x->receive_index = RECV_SLOT;
    x->receive_depth = ROOT_DEPTH;
    struct bst_msg m;
    received = bst_recv(EP, &m) == BST_OK ? bst_msginfo_caps(m.info) + 1 : 0;
    bst_tcb_suspend(helper.tcb);
    for (;;)
        bst_yield();
}

/* A cap received over IPC is one more cap of the frame: its mappings obey the same rule. */
CASE_WITH_SCRATCH(cap_sent_over_ipc)
{
    CHECK(code_frame());
    CHECK(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, EP, 1) == BST_OK);
    received = 0;
    CHECK(tthread_start(&helper, 0, S(0), S(20), S(21), receive_frame, 0, HELPER_PRIORITY, 0) == BST_OK);
    bst_exchange->caps[0] = FRAME;
    uint64_t w[4] = {0, 0, 0, 0};
    uint64_t sent = bst_send(EP, bst_msginfo(1, 1, 0), w);
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, HELPER_PRIORITY - 1);
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY);
    tthread_stop(&helper);
    CHECK(sent == BST_OK && received == 2);
    CHECK(cap_info(RECV_SLOT).type == BST_OBJ_FRAME_4K && unmapped(RECV_SLOT));
    CHECK(alias_refused(bst_frame_map(RECV_SLOT, VSPACE, BASE + PAGE, RX, WB), RW));
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_frame_map(RECV_SLOT, VSPACE, BASE + PAGE, RX, WB) == BST_OK);
    CHECK(alias_refused(bst_frame_map(FRAME, VSPACE, BASE, RW, WB), RX));
    return 0;
}

/*
 * The kernel writes a thread's exchange frame (messages, error details): it
 * counts as a writable mapping, so it is never executable anywhere.
 */
CASE_WITH_SCRATCH(exchange_frame_is_never_executable)
{
    CHECK(code_frame());
    CHECK(bst_untyped_retype(S(0), BST_OBJ_TCB, 0, ROOT, 0, 0, S(7), 1) == BST_OK);
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_frame_map(FRAME, VSPACE, BASE, RX, WB) == BST_OK);
    CHECK_FAILS(bst_tcb_configure(S(7), ROOT, VSPACE, FRAME, BASE + PAGE, 0), BST_E_ILLEGAL_OPERATION,
                BST_TCB_CONFIGURE_EXCHANGE);
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_tcb_configure(S(7), ROOT, VSPACE, FRAME, BASE + PAGE, 0) == BST_OK);
    CHECK(alias_refused(bst_frame_map(FRAME, VSPACE, BASE, RX, WB), RW));
    CHECK(copy(COPY, FRAME) == BST_OK);
    CHECK(alias_refused(bst_frame_map(COPY, VSPACE, BASE, RX, WB), RW));
    CHECK(bst_frame_map(COPY, VSPACE, BASE, R, WB) == BST_OK); /* read-only is fine */
    CHECK(bst_frame_unmap(COPY) == BST_OK);
    /* Once the thread has another exchange frame, this one may be executable again. */
    CHECK(bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, S(8), 1) == BST_OK);
    CHECK(bst_tcb_configure(S(7), ROOT, VSPACE, S(8), BASE + PAGE, 0) == BST_OK);
    CHECK(bst_frame_map(COPY, VSPACE, BASE, RX, WB) == BST_OK);
    CHECK(run_code(BASE) == 42);
    return 0;
}

/* A 2 MiB frame mapped as a large page obeys the same rule. */
CASE_WITH_SCRATCH(large_frame_aliases)
{
    CHECK(tables(VSPACE, TABLES) == BST_OK);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_FRAME_2M, 0, ROOT, 0, 0, FRAME, 1) == BST_OK);
    CHECK(bst_frame_map(FRAME, VSPACE, BASE + LARGE, RW, WB) == BST_OK);
    CHECK(copy(COPY, FRAME) == BST_OK);
    CHECK(alias_refused(bst_frame_map(COPY, VSPACE, BASE + 2 * LARGE, RX, WB), RW));
    CHECK(unmapped(COPY));
    CHECK(bst_frame_unmap(FRAME) == BST_OK);
    CHECK(bst_frame_map(COPY, VSPACE, BASE + 2 * LARGE, RX, WB) == BST_OK);
    CHECK(alias_refused(bst_frame_map(FRAME, VSPACE, BASE + LARGE, RW, WB), RX));
    return 0;
}

const struct test_case wx_cases[] = {
    {"W^X per frame: writable, then executable alias in the same space refused", writable_then_executable_same_space},
    {"W^X per frame: executable, then writable alias refused (copies of copies)", executable_then_writable_same_space},
    {"W^X per frame: aliases in different address spaces refused", aliases_across_address_spaces},
    {"W^X per frame: a stale mapping does not count", stale_mapping_does_not_count},
    {"W^X per frame: deleting the mapped cap lifts the restriction", delete_clears_the_alias},
    {"W^X per frame: a cap received over IPC obeys the rule", cap_sent_over_ipc},
    {"W^X per frame: a thread's exchange frame is never executable", exchange_frame_is_never_executable},
    {"W^X per frame: a 2 MiB frame as well", large_frame_aliases},
};
const unsigned wx_case_count = sizeof(wx_cases) / sizeof(wx_cases[0]);
