/*
 * ASIDs as a resource handed out through capabilities (issue 9, hole 8):
 * ASIDControl_MakePool and ASIDPool_Assign, their error paths, a pool that
 * runs dry while another still gives out, deleting a pool under a live
 * address space, and the old hole itself: Untyped memory alone no longer
 * takes ASIDs away from everyone else.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include <bastion/ipc.h>
#include "tests/child/child.h"
#include "user/lib/ipc.h"
#include "user/lib/process.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define S(n) scratch_slot(n)
#define UT_BITS 22                  /* 4 MiB: a full pool of PML4s, or a child process */
#define BLOCK_FIRST (S(63) + 1)     /* root slots above the scratch ones: a PML4 per ASID of a pool */
#define POOL_ASIDS BST_ASID_POOL_ASIDS
#define POOL_UT S(1)
#define POOL S(2)
#define SPARE S(3)
#define EP S(4)
#define PML4 S(5)
#define FRAME S(6)
#define PDPT S(7)
#define COPY S(8)
#define UT_SLOT(i) S(10 + (i))      /* i < BST_ASID_POOLS */
#define POOL_SLOT(i) S(20 + (i))
#define BASE 0x8000000000ull        /* PML4 slot 1 */
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define WB BST_CACHE_WRITE_BACK
#define CHILD_PRIORITY 100

static const struct bst_error_detail *err(void) { return &bst_exchange->error; }

static uint64_t make(uint64_t type, uint64_t size_bits, bst_cptr_t slot, uint64_t count)
{
    return retype_many(S(0), type, size_bits, ROOT, 0, 0, slot, count);
}

/* A 4 KiB untyped at ut, made into a pool at pool; *first = its first ASID. */
static uint64_t make_pool(bst_cptr_t ut, bst_cptr_t pool, uint64_t *first)
{
    uint64_t e = make(BST_OBJ_UNTYPED, BST_ASID_POOL_SIZE_BITS, ut, 1);
    return e != BST_OK ? e : bst_asid_control_make_pool(BST_CAP_ASID_CONTROL, ut, ROOT, pool, ROOT_DEPTH, first);
}

static uint64_t assign(bst_cptr_t pool, bst_cptr_t vspace) { return bst_asid_pool_assign(pool, vspace, 0); }

CASE_WITH_SCRATCH(asid_boot_caps)
{
    CHECK(cap_info(BST_CAP_ASID_CONTROL).type == BST_OBJ_ASID_CONTROL);
    CHECK(cap_info(BST_CAP_ROOT_ASID_POOL).type == BST_OBJ_ASID_POOL);
    /* The root task's own address space has its ASID from the boot pool already. */
    CHECK_FAILS(assign(BST_CAP_ROOT_ASID_POOL, BST_CAP_ROOT_VSPACE), BST_E_ILLEGAL_OPERATION, 0);
    /* Neither object comes from Retype: only ASIDControl makes pools. */
    CHECK_FAILS(make(BST_OBJ_ASID_POOL, 0, SPARE, 1), BST_E_INVALID_ARG, 0);
    CHECK_FAILS(make(BST_OBJ_ASID_CONTROL, 0, SPARE, 1), BST_E_INVALID_ARG, 0);
    CHECK(cap_info(SPARE).type == BST_OBJ_NULL);
    return 0;
}

/* A pool gives out exactly its 512 ASIDs, then fails, while another pool still assigns. */
CASE_WITH_SCRATCH(asid_pool_gives_out_its_block)
{
    uint64_t first = 0, asid = 0;
    CHECK(make_pool(POOL_UT, POOL, &first) == BST_OK);
    CHECK(first % POOL_ASIDS == 0 && first >= POOL_ASIDS && first < BST_ASID_POOLS * POOL_ASIDS);
    CHECK(make(BST_OBJ_PML4, 0, BLOCK_FIRST, POOL_ASIDS + 1) == BST_OK);
    static uint8_t seen[BST_ASID_POOL_ASIDS];
    for (unsigned i = 0; i < POOL_ASIDS; i++)
        seen[i] = 0;
    for (unsigned i = 0; i < POOL_ASIDS; i++) {
        CHECK(bst_asid_pool_assign(POOL, BLOCK_FIRST + i, &asid) == BST_OK);
        CHECK(asid >= first && asid < first + POOL_ASIDS && !seen[asid - first]);
        seen[asid - first] = 1;
    }
    bst_cptr_t last = BLOCK_FIRST + POOL_ASIDS;
    CHECK_FAILS(assign(POOL, last), BST_E_NO_MEMORY, BST_ARG_NONE);
    CHECK(err()->max == 0);
    /* The boot pool is untouched by it. */
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, last, &asid) == BST_OK);
    CHECK(asid > 0 && asid < POOL_ASIDS);
    /* Deleting an address space gives its ASID back to its own pool. */
    CHECK(bst_cnode_delete(ROOT, BLOCK_FIRST, ROOT_DEPTH) == BST_OK);
    CHECK(make(BST_OBJ_PML4, 0, BLOCK_FIRST, 1) == BST_OK);
    CHECK(bst_asid_pool_assign(POOL, BLOCK_FIRST, &asid) == BST_OK);
    CHECK(asid >= first && asid < first + POOL_ASIDS);
    /* The spaces work: a PDPT maps into the one from the full pool. */
    CHECK(make(BST_OBJ_PDPT, 0, PDPT, 1) == BST_OK);
    CHECK(bst_page_table_map(PDPT, BLOCK_FIRST + 7, BASE) == BST_OK);
    return 0;
}

CASE_WITH_SCRATCH(asid_assign_twice_refused)
{
    CHECK(make_pool(POOL_UT, POOL, 0) == BST_OK);
    CHECK(make(BST_OBJ_PML4, 0, PML4, 1) == BST_OK);
    /* A copy made before the assignment carries no ASID word: the kernel finds it anyway. */
    CHECK(bst_cnode_copy(ROOT, COPY, ROOT_DEPTH, ROOT, PML4, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(assign(BST_CAP_ROOT_ASID_POOL, PML4) == BST_OK);
    CHECK_FAILS(assign(BST_CAP_ROOT_ASID_POOL, PML4), BST_E_ILLEGAL_OPERATION, 0);
    CHECK_FAILS(assign(POOL, PML4), BST_E_ILLEGAL_OPERATION, 0);
    CHECK_FAILS(assign(POOL, COPY), BST_E_ILLEGAL_OPERATION, 0);
    /* And the copy maps into the same space. */
    CHECK(make(BST_OBJ_PDPT, 0, PDPT, 1) == BST_OK);
    CHECK(bst_page_table_map(PDPT, COPY, BASE) == BST_OK);
    return 0;
}

/* Without an ASID nothing maps into a PML4 and no thread takes it as its address space. */
CASE_WITH_SCRATCH(asid_unassigned_space_refused)
{
    CHECK(make(BST_OBJ_PML4, 0, PML4, 1) == BST_OK);
    CHECK(make(BST_OBJ_PDPT, 0, PDPT, 1) == BST_OK && make(BST_OBJ_FRAME_4K, 0, FRAME, 1) == BST_OK);
    CHECK(make(BST_OBJ_TCB, 0, SPARE, 1) == BST_OK);
    CHECK_FAILS(bst_page_table_map(PDPT, PML4, BASE), BST_E_ILLEGAL_OPERATION, 0);
    CHECK_FAILS(bst_frame_map(FRAME, PML4, BASE, RW, WB), BST_E_ILLEGAL_OPERATION, 0);
    CHECK_FAILS(bst_tcb_configure(SPARE, ROOT, PML4, FRAME, BASE, 0), BST_E_ILLEGAL_OPERATION,
                BST_TCB_CONFIGURE_VSPACE);
    /* Nothing changed: the caps are unmapped, the thread unconfigured (Resume refuses). */
    CHECK(bst_tcb_resume(SPARE) == BST_E_ILLEGAL_OPERATION);
    CHECK(assign(BST_CAP_ROOT_ASID_POOL, PML4) == BST_OK);
    CHECK(bst_page_table_map(PDPT, PML4, BASE) == BST_OK);
    CHECK(bst_tcb_configure(SPARE, ROOT, PML4, FRAME, BASE, 0) == BST_OK);
    return 0;
}

CASE_WITH_SCRATCH(asid_make_pool_errors)
{
    const uint64_t control = BST_CAP_ASID_CONTROL;
    CHECK(make(BST_OBJ_UNTYPED, BST_ASID_POOL_SIZE_BITS, POOL_UT, 1) == BST_OK);
    CHECK(bst_invoke(control, BST_ASID_CONTROL_MAKE_POOL, 3, (uint64_t[]){POOL_UT, ROOT, POOL}, 0) ==
          BST_E_TRUNCATED);
    CHECK_FAILS(bst_asid_control_make_pool(control, PML4, ROOT, POOL, ROOT_DEPTH, 0), BST_E_INVALID_CAP, 0);
    CHECK_FAILS(bst_asid_control_make_pool(control, BST_CAP_ROOT_TCB, ROOT, POOL, ROOT_DEPTH, 0),
                BST_E_WRONG_TYPE, 0);
    /* The untyped must be exactly one page, ordinary memory, with nothing in it. */
    CHECK(make(BST_OBJ_UNTYPED, BST_ASID_POOL_SIZE_BITS + 1, SPARE, 1) == BST_OK);
    CHECK_FAILS(bst_asid_control_make_pool(control, SPARE, ROOT, POOL, ROOT_DEPTH, 0), BST_E_INVALID_ARG, 0);
    CHECK(err()->min == BST_ASID_POOL_SIZE_BITS && err()->max == BST_ASID_POOL_SIZE_BITS);
    bst_cptr_t dev = device_untyped();
    CHECK(dev != 0);
    CHECK_FAILS(bst_asid_control_make_pool(control, dev, ROOT, POOL, ROOT_DEPTH, 0), BST_E_INVALID_ARG, 0);
    CHECK(bst_untyped_retype(POOL_UT, BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, EP, 1) == BST_OK);
    CHECK_FAILS(bst_asid_control_make_pool(control, POOL_UT, ROOT, POOL, ROOT_DEPTH, 0), BST_E_REVOKE_FIRST, 0);
    CHECK(bst_cnode_delete(ROOT, EP, ROOT_DEPTH) == BST_OK);
    /* The destination: an empty slot, not slot 0, through a CNode. */
    CHECK_FAILS(bst_asid_control_make_pool(control, POOL_UT, ROOT, BST_CAP_ROOT_TCB, ROOT_DEPTH, 0),
                BST_E_DELETE_FIRST, BST_ASID_MAKE_POOL_INDEX);
    CHECK_FAILS(bst_asid_control_make_pool(control, POOL_UT, ROOT, 0, ROOT_DEPTH, 0), BST_E_RANGE,
                BST_ASID_MAKE_POOL_INDEX);
    CHECK_FAILS(bst_asid_control_make_pool(control, POOL_UT, BST_CAP_ROOT_TCB, POOL, ROOT_DEPTH, 0),
                BST_E_WRONG_TYPE, BST_ASID_MAKE_POOL_ROOT);
    /* A read-only copy of the control cap changes nothing. */
    CHECK(bst_cnode_copy(ROOT, COPY, ROOT_DEPTH, ROOT, control, ROOT_DEPTH, BST_RIGHT_READ) == BST_OK);
    CHECK_FAILS(bst_asid_control_make_pool(COPY, POOL_UT, ROOT, POOL, ROOT_DEPTH, 0), BST_E_RIGHTS, BST_ARG_NONE);
    CHECK(bst_invoke(control, BST_ASID_POOL_ASSIGN, 1, (uint64_t[]){PML4}, 0) == BST_E_NOT_SUPPORTED);
    CHECK(err()->min == BST_ASID_CONTROL_MAKE_POOL && err()->max == BST_ASID_CONTROL_MAKE_POOL);
    /* Every failure left the untyped empty: it still makes a pool, as a full copy of the control cap can. */
    CHECK(cap_info(POOL).type == BST_OBJ_NULL);
    CHECK(bst_cnode_delete(ROOT, COPY, ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, COPY, ROOT_DEPTH, ROOT, control, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_asid_control_make_pool(COPY, POOL_UT, ROOT, POOL, ROOT_DEPTH, 0) == BST_OK);
    CHECK(cap_info(POOL).type == BST_OBJ_ASID_POOL);
    /* The pool took the whole untyped. */
    CHECK_FAILS(bst_untyped_retype(POOL_UT, BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, EP, 1), BST_E_NO_MEMORY, 6);
    return 0;
}

CASE_WITH_SCRATCH(asid_assign_errors)
{
    CHECK(make_pool(POOL_UT, POOL, 0) == BST_OK);
    CHECK(make(BST_OBJ_PML4, 0, PML4, 1) == BST_OK);
    CHECK(bst_invoke(POOL, BST_ASID_POOL_ASSIGN, 0, 0, 0) == BST_E_TRUNCATED);
    CHECK_FAILS(assign(POOL, SPARE), BST_E_INVALID_CAP, 0);
    CHECK_FAILS(assign(POOL, BST_CAP_ROOT_TCB), BST_E_WRONG_TYPE, 0);
    CHECK(err()->min == BST_OBJ_PML4 && err()->max == BST_OBJ_PML4);
    CHECK_FAILS(assign(POOL, ~0ull), BST_E_LOOKUP_FAILED, 0);
    CHECK(bst_invoke(POOL, BST_ASID_CONTROL_MAKE_POOL, 4, (uint64_t[]){POOL_UT, ROOT, SPARE, ROOT_DEPTH}, 0) ==
          BST_E_NOT_SUPPORTED);
    CHECK(bst_invoke(BST_CAP_ROOT_TCB, BST_ASID_POOL_ASSIGN, 1, (uint64_t[]){PML4}, 0) == BST_E_NOT_SUPPORTED);
    /* A pool cap takes no badge: its word 2 names the block. */
    CHECK_FAILS(bst_cnode_mint(ROOT, COPY, ROOT_DEPTH, ROOT, POOL, ROOT_DEPTH, BST_RIGHTS_ALL, 1, 0),
                BST_E_INVALID_ARG, 6);
    CHECK(cap_info(COPY).type == BST_OBJ_NULL);
    /* A read-only copy of a pool gives nothing out; a full copy does. */
    CHECK(bst_cnode_copy(ROOT, COPY, ROOT_DEPTH, ROOT, POOL, ROOT_DEPTH, BST_RIGHT_READ) == BST_OK);
    CHECK_FAILS(assign(COPY, PML4), BST_E_RIGHTS, BST_ARG_NONE);
    CHECK(bst_cnode_delete(ROOT, COPY, ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, COPY, ROOT_DEPTH, ROOT, POOL, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(assign(COPY, PML4) == BST_OK);
    /* A copy is not the pool's last cap: deleting it leaves the ASID alive. */
    CHECK(bst_cnode_delete(ROOT, COPY, ROOT_DEPTH) == BST_OK);
    CHECK(make(BST_OBJ_PDPT, 0, PDPT, 1) == BST_OK);
    CHECK(bst_page_table_map(PDPT, PML4, BASE) == BST_OK);
    return 0;
}

/* There are BST_ASID_POOLS blocks; the boot pool holds one. Deleting a pool frees its block. */
CASE_WITH_SCRATCH(asid_pools_run_out)
{
    unsigned made = 0;
    uint64_t first[BST_ASID_POOLS], again = 0;
    while (made < BST_ASID_POOLS && make_pool(UT_SLOT(made), POOL_SLOT(made), &first[made]) == BST_OK)
        made++;
    CHECK(made == BST_ASID_POOLS - 1);
    CHECK(bst_exchange->error.code == BST_E_DELETE_FIRST && err()->argument == BST_ARG_NONE);
    CHECK(cap_info(POOL_SLOT(made)).type == BST_OBJ_NULL);
    CHECK(bst_cnode_revoke(ROOT, UT_SLOT(2), ROOT_DEPTH) == BST_OK); /* revoking the untyped deletes its pool */
    CHECK(cap_info(POOL_SLOT(2)).type == BST_OBJ_NULL);
    CHECK(bst_asid_control_make_pool(BST_CAP_ASID_CONTROL, UT_SLOT(made), ROOT, POOL_SLOT(made), ROOT_DEPTH,
                                     &again) == BST_OK);
    CHECK(again == first[2]);
    return 0;
}

static struct bst_process proc;

/*
 * The pool dies under a live address space with a runnable thread in it:
 * its user half goes with the ASID, so the thread faults at its first
 * instruction instead of running on mappings the kernel no longer tracks.
 */
CASE_WITH_SCRATCH(asid_pool_delete_orphans_its_spaces)
{
    const struct bst_boot_module *m = bst_boot_module(CHILD_MODULE);
    CHECK(m != 0);
    CHECK(make_pool(POOL_UT, POOL, 0) == BST_OK);
    CHECK(make(BST_OBJ_ENDPOINT, 0, EP, 1) == BST_OK);
    const struct bst_spawn p = {
        .image = (const void *)m->user_addr, .image_size = m->size, .untyped = S(0), .asid_pool = POOL,
        .cnode = ROOT, .first_slot = BLOCK_FIRST, .slot_count = 200, .vspace = BST_CAP_ROOT_VSPACE,
        .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH, .authority = BST_CAP_ROOT_TCB, .priority = CHILD_PRIORITY,
        .start_arg = CHILD_ARG(CHILD_REPORT, 0), .fault_endpoint = EP,
    };
    memset(&proc, 0, sizeof(proc));
    CHECK(bst_process_spawn(&p, &proc) == BST_OK); /* runnable, below us: it has not run yet */
    CHECK(bst_cnode_delete(ROOT, POOL, ROOT_DEPTH) == BST_OK);
    struct bst_msg msg;
    const char *why = 0;
    if (bst_recv(EP, &msg) != BST_OK) /* the child runs while we wait */
        why = "no fault message";
    else if (bst_msginfo_label(msg.info) != BST_FAULT_PAGE || msg.words[BST_FAULT_WORD_IP] != proc.entry ||
             msg.words[BST_FAULT_WORD_ADDRESS] != proc.entry)
        why = "the child did not fault at its entry point";
    /* The space has no ASID: nothing maps into it; its old caps unmap as no-ops. */
    else if (bst_frame_unmap(proc.exchange) != BST_OK)
        why = "a stale unmap failed";
    else if (bst_frame_map(proc.exchange, proc.vspace, BST_CHILD_EXCHANGE_ADDR, RW, WB) != BST_E_ILLEGAL_OPERATION ||
             err()->argument != 0)
        why = "mapped into a space whose pool is gone";
    /* It can be assigned again, and starts empty. */
    else if (assign(BST_CAP_ROOT_ASID_POOL, proc.vspace) != BST_OK)
        why = "the orphaned space cannot get a new ASID";
    else if (bst_frame_map(proc.exchange, proc.vspace, BST_CHILD_EXCHANGE_ADDR, RW, WB) != BST_E_LOOKUP_FAILED ||
             err()->bits_resolved != 9)
        why = "the orphaned space kept its paging structures";
    bst_process_destroy(&proc);
    return why;
}

/*
 * The hole: before pools, Retype gave every PML4 an ASID from one global
 * table of 4095, so a task with 16 MiB of Untyped could take them all and
 * nobody else could make an address space. Now Retype takes none.
 */
#define BIG_BITS 25       /* 32 MiB: a PML4 for every ASID there is, and a CNode for their caps */
#define BIG_RADIX 13
#define ALL_ASIDS (BST_ASID_POOLS * BST_ASID_POOL_ASIDS)

static bst_cptr_t big_slot(void) { return bst_bootinfo->empty_last_slot - 20; } /* clear of vspace_cases' */

static const char *untyped_alone_body(bst_cptr_t big)
{
    CHECK(bst_untyped_retype(big, BST_OBJ_CNODE, BIG_RADIX, ROOT, 0, 0, SPARE, 1) == BST_OK);
    CHECK(retype_many(big, BST_OBJ_PML4, 0, ROOT, SPARE, ROOT_DEPTH, 1, ALL_ASIDS) == BST_OK);
    /* Everyone else can still make address spaces: from the boot pool, and from a new pool. */
    CHECK(make(BST_OBJ_PML4, 0, PML4, 1) == BST_OK && assign(BST_CAP_ROOT_ASID_POOL, PML4) == BST_OK);
    CHECK(make_pool(POOL_UT, POOL, 0) == BST_OK);
    CHECK(make(BST_OBJ_PML4, 0, COPY, 1) == BST_OK && assign(POOL, COPY) == BST_OK);
    return 0;
}

CASE_WITH_SCRATCH(asid_untyped_alone_takes_none)
{
    bst_cptr_t big = big_slot();
    CHECK(cap_info(big).type == BST_OBJ_NULL);
    CHECK(bst_untyped_retype(bst_largest_boot_untyped(), BST_OBJ_UNTYPED, BIG_BITS, ROOT, 0, 0, big, 1) == BST_OK);
    const char *why = untyped_alone_body(big);
    bst_cnode_revoke(ROOT, big, ROOT_DEPTH);
    bst_cnode_delete(ROOT, big, ROOT_DEPTH);
    return why;
}

const struct test_case asid_cases[] = {
    {"asid: boot caps; pools and control not retypeable", asid_boot_caps},
    {"asid: a pool gives out exactly its block, another still assigns", asid_pool_gives_out_its_block},
    {"asid: assigning twice refused (copies too)", asid_assign_twice_refused},
    {"asid: no mapping, no thread in a space without ASID", asid_unassigned_space_refused},
    {"asid: MakePool error paths", asid_make_pool_errors},
    {"asid: Assign error paths, read-only pool copy", asid_assign_errors},
    {"asid: the pool table runs out, a deleted pool frees its block", asid_pools_run_out},
    {"asid: deleting a pool orphans its spaces, their thread faults", asid_pool_delete_orphans_its_spaces},
    {"asid: untyped alone takes no ASID from anyone", asid_untyped_alone_takes_none},
};
const unsigned asid_case_count = sizeof(asid_cases) / sizeof(asid_cases[0]);
