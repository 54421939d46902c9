/*
 * Address spaces: paging structures and frames mapped into the root task's
 * own address space (and into fresh ones), every success and every error
 * path of Frame_Map/Unmap/GetAddress and PageTable_Map/Unmap.
 *
 * Everything is made from one 32 MiB pool untyped kept in the top slot of the
 * root CNode (so the slots the cap cases use stay theirs); each case revokes
 * the pool and empties its scratch slots first and last, so cases are
 * independent. Mappings go to PML4 slot 1 (BASE), where the root task has
 * nothing. No case ever faults: a user fault would stop the test task.
 */
#include <bastion/relay.h>
#include "tests/target/cases.h"
#include "user/lib/vspace.h"

#define CNODE BST_CAP_ROOT_CNODE
#define DEPTH 64
#define VSPACE BST_CAP_ROOT_VSPACE
#define POOL_BITS 25    /* 32 MiB: room for 2 MiB frames */
#define SCRATCH_SLOTS 16
#define BASE 0x8000000000ull /* PML4 slot 1 */
#define PAGE BST_PAGE_SIZE
#define LARGE (1ull << BST_FRAME_2M_BITS)
#define LAST_USER_PAGE 0x00007ffffffff000ull
#define MAP_END BST_USER_MAP_END /* the relay window above it is the kernel's (abi/bastion/relay.h) */
#define LAST_4K_BASE (MAP_END - PAGE)
#define LAST_2M_BASE (MAP_END - LARGE)
#define KERNEL_HALF 0xffff800000000000ull
#define R BST_RIGHT_READ
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define RX (BST_RIGHT_READ | BST_RIGHT_EXECUTE)
#define WB BST_CACHE_WRITE_BACK
#define PATTERN 0x5eed5eed0badf00dull

enum { ARG_VSPACE, ARG_VADDR, ARG_RIGHTS, ARG_CACHE };
/* Scratch slot roles: the structures that translate BASE, then frames and the rest. */
enum { PDPT_SLOT, PD_SLOT, PT_SLOT, F1, F2, F3, F4, SPARE };

static bst_cptr_t pool;        /* 0 until made */
static unsigned pool_parent;   /* index in bootinfo->untyped */

static bst_cptr_t pool_slot(void) { return bst_bootinfo->empty_last_slot - 1; }
static bst_cptr_t S(unsigned n) { return pool_slot() - 1 - n; }
static const struct bst_error_detail *err(void) { return &bst_exchange->error; }
static volatile uint64_t *word(uint64_t vaddr) { return (volatile uint64_t *)vaddr; }

static bool pool_ready(void)
{
    const struct bst_bootinfo *bi = bst_bootinfo;
    for (unsigned i = 0; !pool && i < bi->untyped_count; i++) {
        if (bi->untyped[i].is_device || bi->untyped[i].size_bits < POOL_BITS)
            continue;
        if (bst_untyped_retype(bi->untyped[i].slot, BST_OBJ_UNTYPED, POOL_BITS, CNODE, 0, 0,
                               pool_slot(), 1) == BST_OK) {
            pool = pool_slot();
            pool_parent = i;
        }
    }
    return pool != 0;
}

static void cleanup(void)
{
    if (pool)
        bst_cnode_revoke(CNODE, pool, DEPTH);
    for (unsigned n = 0; n < SCRATCH_SLOTS; n++)
        bst_cnode_delete(CNODE, S(n), DEPTH); /* copies of boot caps, device frames */
}

static bool fresh(void)
{
    if (!pool_ready())
        return false;
    cleanup();
    return true;
}

static const char *done(void)
{
    cleanup();
    return 0;
}

static uint64_t make(uint64_t type, unsigned n)
{
    return bst_untyped_retype(pool, type, 0, CNODE, 0, 0, S(n), 1);
}

static uint64_t copy(unsigned to, bst_cptr_t from, uint64_t rights)
{
    return bst_cnode_mint(CNODE, S(to), DEPTH, CNODE, from, DEPTH, rights, 0, 0);
}

/* Retypes and maps the first `count` of PDPT, PD, PT at vaddr in vspace. */
static uint64_t tables(bst_cptr_t vspace, uint64_t vaddr, unsigned count)
{
    static const uint64_t types[] = {BST_OBJ_PDPT, BST_OBJ_PAGE_DIRECTORY, BST_OBJ_PAGE_TABLE};
    for (unsigned i = 0; i < count; i++) {
        uint64_t e = make(types[i], PDPT_SLOT + i);
        if (e == BST_OK)
            e = bst_page_table_map(S(PDPT_SLOT + i), vspace, vaddr);
        if (e != BST_OK)
            return e;
    }
    return BST_OK;
}

/* A fresh 4 KiB frame in slot n, mapped at vaddr of the root task. */
static uint64_t frame_at(unsigned n, uint64_t vaddr, uint64_t rights)
{
    uint64_t e = make(BST_OBJ_FRAME_4K, n);
    return e == BST_OK ? bst_frame_map(S(n), VSPACE, vaddr, rights, WB) : e;
}

static bool range_error(uint64_t e, unsigned arg, uint64_t min, uint64_t max)
{
    return e == BST_E_RANGE && err()->argument == arg && err()->min == min && err()->max == max;
}

static const char *map_read_write(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    CHECK(*word(BASE) == 0); /* Retype zeroed it */
    *word(BASE) = PATTERN;
    *word(BASE + PAGE - 8) = ~PATTERN;
    CHECK(*word(BASE) == PATTERN && *word(BASE + PAGE - 8) == ~PATTERN);
    return done();
}

static const char *get_address_in_untyped(void)
{
    CHECK(fresh());
    CHECK(bst_untyped_retype(pool, BST_OBJ_FRAME_4K, 0, CNODE, 0, 0, S(F2), 2) == BST_OK);
    uint64_t a = 0, b = 0;
    CHECK(bst_frame_get_address(S(F2), &a) == BST_OK);
    CHECK(bst_frame_get_address(S(F1), &b) == BST_OK); /* S(F2) + 1 */
    const struct bst_untyped_desc *ut = &bst_bootinfo->untyped[pool_parent];
    CHECK(a >= ut->paddr && a + PAGE <= ut->paddr + (1ull << ut->size_bits));
    CHECK(a % PAGE == 0 && b == a + PAGE);
    struct bst_reply reply;
    CHECK(bst_invoke(S(F1), BST_FRAME_GET_ADDRESS, 0, 0, &reply) == BST_OK);
    CHECK(reply.length == 1 && reply.words[0] == b);
    return done();
}

static const char *rights_beyond_the_cap(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    *word(BASE) = PATTERN;
    CHECK(copy(F2, S(F1), R) == BST_OK); /* a read-only copy */
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + PAGE, RW, WB) == BST_E_RIGHTS);
    CHECK(err()->argument == ARG_RIGHTS && err()->max == R);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + PAGE, RX, WB) == BST_E_RIGHTS);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + PAGE, R, WB) == BST_OK);
    CHECK(*word(BASE + PAGE) == PATTERN);
    return done();
}

static const char *wx_and_malformed_rights(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, RW | BST_RIGHT_EXECUTE, WB) == BST_E_INVALID_ARG);
    CHECK(err()->argument == ARG_RIGHTS);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, BST_RIGHT_WRITE, WB) == BST_E_INVALID_ARG); /* no READ */
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, R | BST_RIGHT_GRANT, WB) == BST_E_INVALID_ARG);
    CHECK(err()->argument == ARG_RIGHTS);
    /* Nothing changed: the cap is unmapped and the slot empty. */
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, RW, WB) == BST_OK);
    return done();
}

static const char *execute_code_written_through_a_copy(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    static const uint8_t code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov $42, %eax; ret */
    volatile uint8_t *dst = (volatile uint8_t *)BASE;
    for (unsigned i = 0; i < sizeof(code); i++)
        dst[i] = code[i];
    CHECK(copy(F2, S(F1), BST_RIGHTS_ALL) == BST_OK);
    /* W^X per frame: not executable while the writable mapping lives (wx_cases.c has the rest). */
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + PAGE, RX, WB) == BST_E_ILLEGAL_OPERATION);
    CHECK(err()->argument == ARG_RIGHTS);
    CHECK(bst_frame_unmap(S(F1)) == BST_OK);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + PAGE, RX, WB) == BST_OK);
    int (*fn)(void) = (int (*)(void))(uintptr_t)(BASE + PAGE);
    CHECK(fn() == 42);
    return done();
}

static const char *double_map_refused(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE + PAGE, RW, WB) == BST_E_ILLEGAL_OPERATION);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, RW, WB) == BST_E_ILLEGAL_OPERATION);
    CHECK(err()->argument == BST_ARG_NONE);
    /* The boot frame caps say where boot mapped them. */
    CHECK(bst_frame_map(BST_CAP_ROOT_BOOTINFO, VSPACE, BASE + PAGE, R, WB) == BST_E_ILLEGAL_OPERATION);
    return done();
}

static const char *copy_maps_the_same_memory(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    CHECK(copy(F2, S(F1), BST_RIGHTS_ALL) == BST_OK); /* a copy starts unmapped */
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + 5 * PAGE, RW, WB) == BST_OK);
    *word(BASE + 8) = PATTERN;
    CHECK(*word(BASE + 5 * PAGE + 8) == PATTERN);
    *word(BASE + 5 * PAGE + 16) = ~PATTERN;
    CHECK(*word(BASE + 16) == ~PATTERN);
    /* A copy of a boot frame cap maps the boot frame again. */
    CHECK(copy(F3, BST_CAP_ROOT_BOOTINFO, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_frame_map(S(F3), VSPACE, BASE + 7 * PAGE, R, WB) == BST_OK);
    CHECK(*word(BASE + 7 * PAGE) == BST_BOOTINFO_MAGIC);
    return done();
}

static const char *unmap_and_map_again(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    *word(BASE) = PATTERN;
    CHECK(bst_frame_unmap(S(F1)) == BST_OK);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE + 2 * PAGE, R, WB) == BST_OK);
    CHECK(*word(BASE + 2 * PAGE) == PATTERN);
    /* The old address is free again: another frame maps there. */
    CHECK(frame_at(F2, BASE, RW) == BST_OK);
    CHECK(*word(BASE) == 0);
    /* Unmapping a cap that is not mapped succeeds and changes nothing. */
    CHECK(bst_frame_unmap(S(F1)) == BST_OK);
    CHECK(bst_frame_unmap(S(F1)) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F3) == BST_OK);
    CHECK(bst_frame_unmap(S(F3)) == BST_OK);
    CHECK(*word(BASE) == 0);
    return done();
}

static const char *delete_mapped_frame(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    *word(BASE) = PATTERN;
    CHECK(bst_cnode_delete(CNODE, S(F1), DEPTH) == BST_OK);
    /* The leaf is gone (and out of the TLB): a fresh frame maps there and reads as zero. */
    CHECK(frame_at(F2, BASE, RW) == BST_OK);
    CHECK(*word(BASE) == 0);
    return done();
}

static const char *target_in_use(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F2) == BST_OK);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE, RW, WB) == BST_E_DELETE_FIRST);
    CHECK(err()->argument == ARG_VADDR);
    /* The boot mappings are in use too: the exchange frame's address. */
    CHECK(bst_frame_map(S(F2), VSPACE, BST_ROOT_EXCHANGE_ADDR, RW, WB) == BST_E_DELETE_FIRST);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + PAGE, RW, WB) == BST_OK);
    return done();
}

static const char *missing_structures(void)
{
    CHECK(fresh());
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    static const uint64_t resolved[] = {9, 18, 27};
    for (unsigned have = 0; have < 3; have++) {
        CHECK(tables(VSPACE, BASE, have) == BST_OK);
        CHECK(bst_frame_map(S(F1), VSPACE, BASE, RW, WB) == BST_E_LOOKUP_FAILED);
        CHECK(err()->argument == ARG_VADDR && err()->bits_resolved == resolved[have]);
        cleanup();
        CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    }
    /* A page table with no page directory above it, a page directory with no PDPT. */
    CHECK(make(BST_OBJ_PAGE_TABLE, PT_SLOT) == BST_OK && make(BST_OBJ_PAGE_DIRECTORY, PD_SLOT) == BST_OK);
    CHECK(bst_page_table_map(S(PT_SLOT), VSPACE, BASE) == BST_E_LOOKUP_FAILED);
    CHECK(err()->bits_resolved == 9);
    CHECK(bst_page_table_map(S(PD_SLOT), VSPACE, BASE) == BST_E_LOOKUP_FAILED);
    CHECK(err()->argument == ARG_VADDR && err()->bits_resolved == 9);
    return done();
}

static const char *misaligned_vaddr(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    CHECK(range_error(bst_frame_map(S(F1), VSPACE, BASE + 8, RW, WB), ARG_VADDR, PAGE, LAST_4K_BASE));
    CHECK(range_error(bst_frame_map(S(F1), VSPACE, BASE + PAGE / 2, RW, WB), ARG_VADDR, PAGE, LAST_4K_BASE));
    /* Paging structures must sit at the start of the region they translate. */
    CHECK(make(BST_OBJ_PAGE_TABLE, SPARE) == BST_OK);
    CHECK(range_error(bst_page_table_map(S(SPARE), VSPACE, BASE + LARGE + PAGE), ARG_VADDR, 0,
                      (MAP_END - 1) & ~(LARGE - 1)));
    CHECK(bst_page_table_map(S(SPARE), VSPACE, BASE + LARGE) == BST_OK);
    return done();
}

static const char *outside_the_user_range(void)
{
    CHECK(fresh());
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    static const uint64_t bad[] = {0, MAP_END, MAP_END + PAGE, LAST_USER_PAGE, LAST_USER_PAGE + PAGE, KERNEL_HALF,
                                   0xffffffff80000000ull, ~0ull & ~(PAGE - 1)};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(range_error(bst_frame_map(S(F1), VSPACE, bad[i], RW, WB), ARG_VADDR, PAGE, LAST_4K_BASE));
    /* A PDPT for the kernel half: its PML4 slots are the kernel's. */
    CHECK(make(BST_OBJ_PDPT, PDPT_SLOT) == BST_OK);
    CHECK(range_error(bst_page_table_map(S(PDPT_SLOT), VSPACE, KERNEL_HALF), ARG_VADDR, 0,
                      0x00007f0000000000ull)); /* the last PML4 slot is the relay window */
    CHECK(range_error(bst_page_table_map(S(PDPT_SLOT), VSPACE, MAP_END), ARG_VADDR, 0, 0x00007f0000000000ull));
    return done();
}

static const char *bad_arguments_and_labels(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    CHECK(bst_frame_map(S(F1), CNODE, BASE, RW, WB) == BST_E_WRONG_TYPE);
    CHECK(err()->argument == ARG_VSPACE && err()->min == BST_OBJ_PML4);
    CHECK(bst_frame_map(S(F1), S(PT_SLOT), BASE, RW, WB) == BST_E_WRONG_TYPE);
    CHECK(bst_frame_map(S(F1), S(SPARE), BASE, RW, WB) == BST_E_INVALID_CAP); /* an empty slot */
    CHECK(err()->argument == ARG_VSPACE);
    CHECK(make(BST_OBJ_PAGE_TABLE, SPARE) == BST_OK);
    CHECK(bst_page_table_map(S(SPARE), BST_CAP_ROOT_TCB, BASE + LARGE) == BST_E_WRONG_TYPE);
    CHECK(err()->argument == ARG_VSPACE && err()->max == BST_OBJ_PML4);
    uint64_t w[] = {VSPACE, BASE, RW};
    CHECK(bst_invoke(S(F1), BST_FRAME_MAP, 3, w, 0) == BST_E_TRUNCATED);
    CHECK(err()->min == 4);
    CHECK(bst_invoke(S(F1), BST_PAGE_TABLE_MAP, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    CHECK(bst_invoke(S(PT_SLOT), BST_FRAME_MAP, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    /* An address-space root has no invocations. */
    CHECK(bst_page_table_map(VSPACE, VSPACE, BASE) == BST_E_NOT_SUPPORTED);
    CHECK(bst_page_table_unmap(VSPACE) == BST_E_NOT_SUPPORTED);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, RW, WB) == BST_OK); /* after all that, it still works */
    return done();
}

static const char *large_frame(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 2) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_2M, F1) == BST_OK);
    uint64_t pa = 0;
    CHECK(bst_frame_get_address(S(F1), &pa) == BST_OK && pa % LARGE == 0);
    CHECK(range_error(bst_frame_map(S(F1), VSPACE, BASE + LARGE + PAGE, RW, WB), ARG_VADDR, LARGE, LAST_2M_BASE));
    CHECK(range_error(bst_frame_map(S(F1), VSPACE, LAST_2M_BASE + LARGE, RW, WB), ARG_VADDR, LARGE, LAST_2M_BASE));
    CHECK(range_error(bst_frame_map(S(F1), VSPACE, 0, RW, WB), ARG_VADDR, LARGE, LAST_2M_BASE));
    CHECK(bst_frame_map(S(F1), VSPACE, BASE + LARGE, RW, WB) == BST_OK);
    *word(BASE + LARGE) = PATTERN;
    *word(BASE + 2 * LARGE - 8) = ~PATTERN;
    CHECK(*word(BASE + LARGE) == PATTERN && *word(BASE + 2 * LARGE - 8) == ~PATTERN);
    /* The large page occupies its page-directory entry: no page table, no 4 KiB page inside. */
    CHECK(make(BST_OBJ_PAGE_TABLE, PT_SLOT) == BST_OK);
    CHECK(bst_page_table_map(S(PT_SLOT), VSPACE, BASE + LARGE) == BST_E_DELETE_FIRST);
    CHECK(make(BST_OBJ_FRAME_4K, F2) == BST_OK);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + LARGE + PAGE, RW, WB) == BST_E_DELETE_FIRST);
    /* And the other way round: a page table in the way of a large page. */
    CHECK(bst_page_table_map(S(PT_SLOT), VSPACE, BASE) == BST_OK);
    CHECK(copy(F3, S(F1), BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_frame_map(S(F3), VSPACE, BASE, RW, WB) == BST_E_DELETE_FIRST);
    CHECK(bst_frame_unmap(S(F1)) == BST_OK);
    CHECK(bst_frame_map(S(F3), VSPACE, BASE + 3 * LARGE, R, WB) == BST_OK);
    CHECK(*word(BASE + 3 * LARGE) == PATTERN);
    return done();
}

static const char *structure_map_rules(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    /* One place at a time: the mapped cap cannot map again, and a copy cannot map at all. */
    CHECK(bst_page_table_map(S(PT_SLOT), VSPACE, BASE + LARGE) == BST_E_ILLEGAL_OPERATION);
    CHECK(copy(SPARE, S(PT_SLOT), BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_page_table_map(S(SPARE), VSPACE, BASE + LARGE) == BST_E_ILLEGAL_OPERATION);
    CHECK(bst_page_table_unmap(S(SPARE)) == BST_OK); /* not mapped: nothing happens */
    /* Another structure of the same level where one is mapped already. */
    CHECK(make(BST_OBJ_PAGE_TABLE, F4) == BST_OK);
    CHECK(bst_page_table_map(S(F4), VSPACE, BASE) == BST_E_DELETE_FIRST);
    CHECK(err()->argument == ARG_VADDR);
    CHECK(make(BST_OBJ_PDPT, F3) == BST_OK);
    CHECK(bst_page_table_map(S(F3), VSPACE, BASE) == BST_E_DELETE_FIRST);
    CHECK(bst_page_table_map(S(F4), VSPACE, BASE + LARGE) == BST_OK);
    CHECK(frame_at(F1, BASE + LARGE, RW) == BST_OK);
    *word(BASE + LARGE) = PATTERN;
    CHECK(*word(BASE + LARGE) == PATTERN);
    return done();
}

static const char *page_table_unmap_drops_its_contents(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    *word(BASE) = PATTERN;
    CHECK(bst_page_table_unmap(S(PT_SLOT)) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F2) == BST_OK);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE, RW, WB) == BST_E_LOOKUP_FAILED);
    CHECK(err()->bits_resolved == 27);
    /* Mapped again, the table is empty: the old frame does not come back. */
    CHECK(bst_page_table_map(S(PT_SLOT), VSPACE, BASE) == BST_OK);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE, RW, WB) == BST_OK);
    CHECK(*word(BASE) == 0);
    /* The old frame's cap is stale: its unmap is a no-op that leaves F2 alone. */
    CHECK(bst_frame_unmap(S(F1)) == BST_OK);
    CHECK(*word(BASE) == 0);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE + PAGE, R, WB) == BST_OK);
    CHECK(*word(BASE + PAGE) == PATTERN);
    /* The same for a page directory: what it held is unreachable, then gone. */
    CHECK(bst_page_table_unmap(S(PD_SLOT)) == BST_OK);
    CHECK(bst_page_table_map(S(PD_SLOT), VSPACE, BASE) == BST_OK);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE, RW, WB) == BST_E_ILLEGAL_OPERATION); /* still says mapped */
    CHECK(make(BST_OBJ_FRAME_4K, F3) == BST_OK);
    CHECK(bst_frame_map(S(F3), VSPACE, BASE, RW, WB) == BST_E_LOOKUP_FAILED);
    CHECK(err()->bits_resolved == 27);
    return done();
}

static const char *destroyed_address_space(void)
{
    CHECK(fresh());
    CHECK(make(BST_OBJ_PML4, SPARE) == BST_OK);
    bst_cptr_t other = S(SPARE);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, other, 0) == BST_OK);
    CHECK(tables(other, BASE, 3) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK && make(BST_OBJ_FRAME_4K, F2) == BST_OK);
    CHECK(bst_frame_map(S(F1), other, BASE, RW, WB) == BST_OK);
    CHECK(bst_frame_map(S(F2), other, BASE + PAGE, RW, WB) == BST_OK);
    /* Its own low half is empty: the root task's mappings are not there. */
    CHECK(make(BST_OBJ_FRAME_4K, F3) == BST_OK);
    CHECK(bst_frame_map(S(F3), other, BST_ROOT_EXCHANGE_ADDR, RW, WB) == BST_E_LOOKUP_FAILED);
    CHECK(bst_exchange->error.bits_resolved == 9);
    /* The last cap to the address space goes while everything is still mapped in it. */
    CHECK(bst_cnode_delete(CNODE, other, DEPTH) == BST_OK);
    CHECK(bst_frame_unmap(S(F1)) == BST_OK);               /* stale: a no-op */
    CHECK(bst_cnode_delete(CNODE, S(F2), DEPTH) == BST_OK); /* stale and mapped: deletion works */
    CHECK(bst_cnode_delete(CNODE, S(PT_SLOT), DEPTH) == BST_OK);
    CHECK(bst_page_table_unmap(S(PD_SLOT)) == BST_OK);
    CHECK(bst_page_table_unmap(S(PDPT_SLOT)) == BST_OK);
    /* The structures serve the root task now, and come back empty. */
    CHECK(bst_page_table_map(S(PDPT_SLOT), VSPACE, BASE) == BST_OK);
    CHECK(bst_page_table_map(S(PD_SLOT), VSPACE, BASE) == BST_OK);
    CHECK(make(BST_OBJ_PAGE_TABLE, PT_SLOT) == BST_OK);
    CHECK(bst_page_table_map(S(PT_SLOT), VSPACE, BASE) == BST_OK);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, RW, WB) == BST_OK);
    *word(BASE) = PATTERN;
    CHECK(*word(BASE) == PATTERN);
    /* A PML4 destroyed by revoking its untyped while it holds mappings. */
    CHECK(make(BST_OBJ_PML4, SPARE) == BST_OK);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, S(SPARE), 0) == BST_OK);
    CHECK(make(BST_OBJ_PDPT, F4) == BST_OK && bst_page_table_map(S(F4), S(SPARE), BASE) == BST_OK);
    return done();
}

static const char *memory_zeroed_on_reuse(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(frame_at(F1, BASE, RW) == BST_OK);
    uint64_t first = 0, again = 0;
    CHECK(bst_frame_get_address(S(F1), &first) == BST_OK);
    for (uint64_t off = 0; off < PAGE; off += 8)
        *word(BASE + off) = PATTERN ^ off;
    /* Revoking the untyped frees it all; the same retype lands on the same memory. */
    cleanup();
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    CHECK(bst_frame_get_address(S(F1), &again) == BST_OK);
    CHECK(again == first);
    CHECK(bst_frame_map(S(F1), VSPACE, BASE + 3 * PAGE, R, WB) == BST_OK);
    for (uint64_t off = 0; off < PAGE; off += 8)
        CHECK(*word(BASE + 3 * PAGE + off) == 0);
    return done();
}

static bst_cptr_t device_untyped(void)
{
    for (unsigned i = 0; i < bst_bootinfo->untyped_count; i++) {
        if (bst_bootinfo->untyped[i].is_device)
            return bst_bootinfo->untyped[i].slot;
    }
    return 0;
}

static const char *cache_attributes(void)
{
    CHECK(fresh());
    CHECK(tables(VSPACE, BASE, 3) == BST_OK);
    CHECK(make(BST_OBJ_FRAME_4K, F1) == BST_OK);
    CHECK(range_error(bst_frame_map(S(F1), VSPACE, BASE, RW, BST_CACHE_WRITE_THROUGH + 1), ARG_CACHE,
                      BST_CACHE_WRITE_BACK, BST_CACHE_WRITE_THROUGH));
    CHECK(bst_frame_map(S(F1), VSPACE, BASE, RW, BST_CACHE_UNCACHED) == BST_OK);
    *word(BASE) = PATTERN;
    CHECK(copy(F2, S(F1), BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_frame_map(S(F2), VSPACE, BASE + PAGE, R, BST_CACHE_WRITE_THROUGH) == BST_OK);
    CHECK(*word(BASE + PAGE) == PATTERN);
    /* Device memory: uncached or write-through only. */
    bst_cptr_t dev = device_untyped();
    CHECK(dev);
    CHECK(bst_untyped_retype(dev, BST_OBJ_FRAME_4K, 0, CNODE, 0, 0, S(F3), 1) == BST_OK);
    CHECK(bst_frame_map(S(F3), VSPACE, BASE + 2 * PAGE, RW, WB) == BST_E_INVALID_ARG);
    CHECK(err()->argument == ARG_CACHE && err()->min == BST_CACHE_UNCACHED &&
          err()->max == BST_CACHE_WRITE_THROUGH);
    CHECK(bst_frame_map(S(F3), VSPACE, BASE + 2 * PAGE, RW, BST_CACHE_UNCACHED) == BST_OK);
    CHECK(copy(F4, S(F3), BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_frame_map(S(F4), VSPACE, BASE + 3 * PAGE, R, BST_CACHE_WRITE_THROUGH) == BST_OK);
    return done();
}

const struct test_case vspace_cases[] = {
    {"frame map: read-write, write and read through it", map_read_write},
    {"frame get address: inside the untyped, one result word", get_address_in_untyped},
    {"frame map: rights beyond the cap refused (read-only copy)", rights_beyond_the_cap},
    {"frame map: W^X and malformed rights refused", wx_and_malformed_rights},
    {"frame map: code written through a copy runs once the writable mapping is gone", execute_code_written_through_a_copy},
    {"frame map: a mapped cap cannot map again", double_map_refused},
    {"frame map: a copy maps the same memory elsewhere", copy_maps_the_same_memory},
    {"frame unmap: map again; unmapping an unmapped cap is a no-op", unmap_and_map_again},
    {"frame delete: the mapping goes with the cap", delete_mapped_frame},
    {"frame map: something mapped at vaddr already", target_in_use},
    {"vspace: missing paging structure gives bits resolved", missing_structures},
    {"vspace: misaligned vaddr refused with range", misaligned_vaddr},
    {"vspace: page 0, last user page and kernel half refused", outside_the_user_range},
    {"vspace: wrong caps, truncated messages, unknown labels", bad_arguments_and_labels},
    {"frame map: 2 MiB frame as a large page", large_frame},
    {"page table map: one place, one cap, empty target", structure_map_rules},
    {"page table unmap: what it mapped is gone for good", page_table_unmap_drops_its_contents},
    {"vspace: destroyed address space leaves harmless stale caps", destroyed_address_space},
    {"frame: memory is zero again after revoke and retype", memory_zeroed_on_reuse},
    {"frame map: cache attributes, device memory never write-back", cache_attributes},
};
const unsigned vspace_case_count = sizeof(vspace_cases) / sizeof(vspace_cases[0]);
