/*
 * The fuzzer's set-up: one object of every type in known root CNode slots,
 * a CSpace of their own for the workers, their threads and the fault handler.
 * Everything is made from one carved untyped, so a reset is a single Revoke
 * of it (itself a good stress test: threads blocked in IPC, caps in flight,
 * mapped frames and tables all go at once) and a sweep of the slots.
 */
#include "tests/fuzz/setup.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "user/lib/device.h"
#include "user/lib/relay.h"

#define R BST_CAP_ROOT_CNODE
#define D 64
#define CARVE_BITS 23
#define WORKER_EXCHANGE_BASE 0x220000ull /* in the page table that holds the bootinfo */
#define HANDLER_EXCHANGE (WORKER_EXCHANGE_BASE + FUZZ_WORKERS * BST_PAGE_SIZE)
#define FUZZ_PRIORITY 128 /* the root task's own: everyone takes turns at Yield */
#define SPARE_VADDR 0x40000000ull

struct fuzz_slots fuzz_slots;

/* Slots below the carved untyped that were empty at boot: calls may fill them, teardown empties them. */
#define LOW_SLOTS 256
static bool low_slot_was_empty[LOW_SLOTS];
static bool low_slots_recorded;

bst_cptr_t arena(unsigned k) { return fuzz_env.arena_first + k; }

static uint64_t step_error;
static const char *step_name;

static bool ok(uint64_t e, const char *what)
{
    if (e != BST_OK && !step_name) {
        step_error = e;
        step_name = what;
    }
    return e == BST_OK;
}

static void retype(bst_cptr_t ut, uint64_t type, uint64_t bits, unsigned k, const char *what)
{
    ok(bst_untyped_retype(ut, type, bits, R, 0, 0, arena(k), 1), what);
}

/* The worker CNode (radix 6, guarded to 64 bits): slot numbers are cptrs, slots 1..23 hold caps. */
static void fill_worker_cnode(void)
{
    bst_cptr_t wcn = arena(K_WCN_GUARDED);
    struct {
        unsigned slot, k;
        uint64_t rights;
    } copies[] = {
        {1, K_EP0, BST_RIGHTS_ALL},   {2, K_EP1, BST_RIGHTS_ALL},   {3, K_NT0, BST_RIGHTS_ALL},
        {4, K_NT1, BST_RIGHTS_ALL},   {5, K_FR1, BST_RIGHTS_ALL},   {6, K_WCN_GUARDED, BST_RIGHTS_ALL},
        {8, K_PT, BST_RIGHTS_ALL},    {9, K_PML4, BST_RIGHTS_ALL},  {10, K_IRQ, BST_RIGHTS_ALL},
        {11, K_IOPORT, BST_RIGHTS_ALL}, {17, K_EP0, BST_RIGHT_READ}, {19, K_CN4, BST_RIGHTS_ALL},
        {20, K_RSEG, BST_RIGHTS_ALL}, {21, K_XTABLE, BST_RIGHTS_ALL}, {22, K_LINK, BST_RIGHTS_ALL},
        {23, K_XENTRY, BST_RIGHTS_ALL},
    };
    for (unsigned i = 0; i < sizeof(copies) / sizeof(copies[0]); i++)
        ok(bst_cnode_copy(wcn, copies[i].slot, D, R, arena(copies[i].k), D, copies[i].rights), "worker cnode copy");
    for (unsigned i = 0; i < FUZZ_WORKERS; i++)
        ok(bst_cnode_copy(wcn, 12 + i, D, R, arena(K_WTCB0 + i), D, BST_RIGHTS_ALL), "worker tcb copy");
    ok(bst_untyped_retype(arena(K_UT_SMALL), BST_OBJ_UNTYPED, 14, wcn, 0, 0, 7, 1), "worker untyped");
    ok(bst_cnode_mint(wcn, 16, D, R, arena(K_EP0), D, BST_RIGHTS_ALL, 0x77, 0), "worker badged endpoint");
    ok(bst_cnode_mint(wcn, 18, D, R, arena(K_NT0), D, BST_RIGHTS_ALL, 0x5, 0), "worker badged notification");
}

static void map_spare_vspace(void)
{
    bst_cptr_t pml4 = arena(K_PML4);
    ok(bst_page_table_map(arena(K_PDPT), pml4, 0), "map pdpt"); /* vaddr aligned to what it covers */
    ok(bst_page_table_map(arena(K_PD), pml4, SPARE_VADDR), "map pd");
    ok(bst_page_table_map(arena(K_PT), pml4, SPARE_VADDR), "map pt");
    ok(bst_frame_map(arena(K_FR0), pml4, SPARE_VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE, BST_CACHE_WRITE_BACK),
       "map frame");
    ok(bst_frame_map(arena(K_FR2M), pml4, SPARE_VADDR + (2u << 20), BST_RIGHT_READ, BST_CACHE_UNCACHED),
       "map 2M frame");
}

/*
 * Relay objects: a segment, an entry table, a link stack, and entry 1 of the
 * table (low entry numbers are what the workers' cptr-like words hit) in the
 * spare address space, acting in the workers' CSpace: a thread the calls
 * bind and grant it migrates there, to a page that faults (no execute).
 */
static void make_relay_objects(bst_cptr_t carve)
{
    retype(carve, BST_OBJ_RELAY_SEGMENT, BST_RELAY_MIN_BITS, K_RSEG, "relay segment");
    retype(carve, BST_OBJ_XENTRY_TABLE, 0, K_XTABLE, "entry table");
    retype(carve, BST_OBJ_LINK_STACK, 2, K_LINK, "link stack");
    struct bst_xentry_desc d = {1, arena(K_WCN_GUARDED), arena(K_PML4), SPARE_VADDR, SPARE_VADDR + 0x1000, 0x1000, 2};
    ok(bst_xentry_register(arena(K_XTABLE), &d, R, arena(K_XENTRY), D), "register entry");
}

uint64_t worker_configure(unsigned i)
{
    return bst_tcb_configure(arena(K_WTCB0 + i), arena(K_WCN_GUARDED), BST_CAP_ROOT_VSPACE,
                             arena(K_WFRAME0 + i), WORKER_EXCHANGE_BASE + i * BST_PAGE_SIZE,
                             fuzz_slots.fault_ep_badged[i]);
}

/* The calls may have put anything in a set-up slot: a Call on an endpoint there would block us. */
static bool has_type(bst_cptr_t slot, uint64_t type)
{
    struct bst_result r = bst_syscall3(BST_SYS_DEBUG_CAP_INFO, BST_CAP_MACHINE_CONTROL, slot, 0);
    return r.error == BST_OK && (r.value0 & 0xff) == type;
}
static bool is_tcb(bst_cptr_t slot) { return has_type(slot, BST_OBJ_TCB); }

/* The calls unmap the spare tables all the time: put them back (errors are fine). */
void fuzz_remap_spare(void)
{
    static const struct {
        unsigned k;
        uint64_t type, vaddr;
    } tables[] = {{K_PDPT, BST_OBJ_PDPT, 0}, {K_PD, BST_OBJ_PAGE_DIRECTORY, SPARE_VADDR},
                  {K_PT, BST_OBJ_PAGE_TABLE, SPARE_VADDR}};
    for (unsigned i = 0; i < 3; i++) {
        if (has_type(arena(tables[i].k), tables[i].type))
            bst_page_table_map(arena(tables[i].k), arena(K_PML4), tables[i].vaddr);
    }
}


void worker_restart(unsigned i)
{
    uint64_t regs[BST_REG_RDI + 1];
    if (!is_tcb(arena(K_WTCB0 + i)))
        return;
    bst_tcb_suspend(arena(K_WTCB0 + i));
    worker_configure(i);
    worker_start_registers(i, regs);
    bst_tcb_write_registers(arena(K_WTCB0 + i), true, BST_REG_RDI + 1, regs);
}

static void start_threads(uint64_t seed)
{
    struct fuzz_slots *s = &fuzz_slots;
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        struct worker *w = &fuzz_workers[i];
        w->id = i;
        w->rng.state = seed * 0x100000001b3ull + i + 1;
        w->exchange = (struct bst_exchange *)(WORKER_EXCHANGE_BASE + i * BST_PAGE_SIZE);
        retype(s->carve, BST_OBJ_TCB, 0, K_WTCB0 + i, "worker tcb");
        /* With "stale", from an untyped the calls revoke and retype while the thread lives on. */
        retype(fuzz_env.flags & FLAG_STALE ? arena(K_UT_SMALL) : s->carve, BST_OBJ_FRAME_4K, 0, K_WFRAME0 + i,
               "worker frame");
        ok(bst_frame_map(arena(K_WFRAME0 + i), BST_CAP_ROOT_VSPACE, (uint64_t)w->exchange,
                         BST_RIGHT_READ | BST_RIGHT_WRITE, BST_CACHE_WRITE_BACK), "map worker exchange");
        ok(bst_cnode_mint(R, s->fault_ep_badged[i], D, R, s->fault_ep, D, BST_RIGHTS_ALL, i + 1, 0),
           "badged fault endpoint");
        fuzz_handler.worker_tcb[i] = arena(K_WTCB0 + i);
    }
    fill_worker_cnode();
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        ok(worker_configure(i), "configure worker");
        ok(bst_tcb_set_priority(arena(K_WTCB0 + i), BST_CAP_ROOT_TCB, FUZZ_PRIORITY), "worker priority");
        uint64_t regs[BST_REG_RDI + 1];
        worker_start_registers(i, regs);
        ok(bst_tcb_write_registers(arena(K_WTCB0 + i), true, BST_REG_RDI + 1, regs), "start worker");
    }
    /* The fault handler: root CSpace (it holds the worker TCBs there), its own exchange frame. */
    fuzz_handler.rng.state = seed ^ 0xfa017ull;
    fuzz_handler.exchange = (struct bst_exchange *)HANDLER_EXCHANGE;
    fuzz_handler.endpoint = s->fault_ep;
    ok(bst_frame_map(s->handler_frame, BST_CAP_ROOT_VSPACE, HANDLER_EXCHANGE, BST_RIGHT_READ | BST_RIGHT_WRITE,
                     BST_CACHE_WRITE_BACK), "map handler exchange");
    ok(bst_tcb_configure(s->handler_tcb, R, BST_CAP_ROOT_VSPACE, s->handler_frame, HANDLER_EXCHANGE, 0),
       "configure handler");
    ok(bst_tcb_set_priority(s->handler_tcb, BST_CAP_ROOT_TCB, FUZZ_PRIORITY), "handler priority");
    uint64_t regs[BST_REG_RDI + 1] = {
        [BST_REG_RIP] = (uint64_t)fault_handler_entry,
        [BST_REG_RSP] = fault_handler_stack_top(),
        [BST_REG_RFLAGS] = 0x202,
    };
    ok(bst_tcb_write_registers(s->handler_tcb, true, BST_REG_RDI + 1, regs), "start handler");
}

bool fuzz_setup(uint64_t seed)
{
    struct fuzz_slots *s = &fuzz_slots;
    bst_cptr_t e = bst_bootinfo->empty_first_slot;
    step_name = 0;
    s->carve = e;
    s->handler_tcb = e + 1;
    s->handler_frame = e + 2;
    s->fault_ep = e + 3;
    for (unsigned i = 0; i < FUZZ_WORKERS; i++)
        s->fault_ep_badged[i] = e + 4 + i;
    fuzz_env.arena_first = e + FUZZ_INFRA_SLOTS;
    for (bst_cptr_t slot = 1; !low_slots_recorded && slot < e && slot < LOW_SLOTS; slot++) {
        struct bst_result r = bst_syscall3(BST_SYS_DEBUG_CAP_INFO, BST_CAP_MACHINE_CONTROL, slot, 0);
        low_slot_was_empty[slot] = r.error == BST_OK && (r.value0 & 0xff) == BST_OBJ_NULL;
    }
    low_slots_recorded = true;
    /* Carved once: a reset revokes it, which makes all of it free again. */
    struct bst_result info = bst_syscall3(BST_SYS_DEBUG_CAP_INFO, BST_CAP_MACHINE_CONTROL, s->carve, 0);
    if ((info.error != BST_OK || (info.value0 & 0xff) != BST_OBJ_UNTYPED) &&
        !ok(bst_untyped_retype(bst_largest_boot_untyped(), BST_OBJ_UNTYPED, CARVE_BITS, R, 0, 0, s->carve, 1),
            "carve untyped"))
        goto out;
    ok(bst_untyped_retype(s->carve, BST_OBJ_FRAME_2M, 0, R, 0, 0, arena(K_FR2M), 1), "2M frame");
    ok(bst_untyped_retype(s->carve, BST_OBJ_TCB, 0, R, 0, 0, s->handler_tcb, 1), "handler tcb");
    ok(bst_untyped_retype(s->carve, BST_OBJ_FRAME_4K, 0, R, 0, 0, s->handler_frame, 1), "handler frame");
    ok(bst_untyped_retype(s->carve, BST_OBJ_ENDPOINT, 0, R, 0, 0, s->fault_ep, 1), "fault endpoint");
    retype(s->carve, BST_OBJ_UNTYPED, 20, K_UT_BIG, "big untyped");
    retype(s->carve, BST_OBJ_UNTYPED, 16, K_UT_SMALL, "small untyped");
    retype(s->carve, BST_OBJ_UNTYPED, 12, K_UT_TINY, "tiny untyped");
    retype(s->carve, BST_OBJ_CNODE, 2, K_CN2, "cnode 2");
    retype(s->carve, BST_OBJ_CNODE, 4, K_CN4, "cnode 4");
    retype(s->carve, BST_OBJ_CNODE, 8, K_CN8, "cnode 8");
    retype(s->carve, BST_OBJ_CNODE, FUZZ_WORKER_RADIX, K_WCN, "worker cnode");
    ok(bst_cnode_mint(R, arena(K_WCN_GUARDED), D, R, arena(K_WCN), D, BST_RIGHTS_ALL, 0, 64 - FUZZ_WORKER_RADIX),
       "guard worker cnode");
    retype(s->carve, BST_OBJ_ENDPOINT, 0, K_EP0, "endpoint 0");
    retype(s->carve, BST_OBJ_ENDPOINT, 0, K_EP1, "endpoint 1");
    retype(s->carve, BST_OBJ_NOTIFICATION, 0, K_NT0, "notification 0");
    retype(s->carve, BST_OBJ_NOTIFICATION, 0, K_NT1, "notification 1");
    retype(s->carve, BST_OBJ_FRAME_4K, 0, K_FR0, "frame 0");
    retype(s->carve, BST_OBJ_FRAME_4K, 0, K_FR1, "frame 1");
    retype(s->carve, BST_OBJ_PAGE_TABLE, 0, K_PT, "page table");
    retype(s->carve, BST_OBJ_PAGE_DIRECTORY, 0, K_PD, "page directory");
    retype(s->carve, BST_OBJ_PDPT, 0, K_PDPT, "pdpt");
    /* An ASID pool of our own (a block freed again by each reset's revoke): deleting it
     * under the spare address space is fair game for the calls. */
    retype(s->carve, BST_OBJ_UNTYPED, BST_ASID_POOL_SIZE_BITS, K_ASID_UT, "pool untyped");
    ok(bst_asid_control_make_pool(BST_CAP_ASID_CONTROL, arena(K_ASID_UT), R, arena(K_ASID_POOL), D, 0), "asid pool");
    retype(s->carve, BST_OBJ_PML4, 0, K_PML4, "pml4");
    ok(bst_asid_pool_assign(arena(K_ASID_POOL), arena(K_PML4), 0), "pml4's ASID");
    make_relay_objects(s->carve);
    retype(s->carve, BST_OBJ_TCB, 0, K_TCB_SPARE, "spare tcb");
    ok(bst_irq_control_get(BST_CAP_IRQ_CONTROL, 10, R, arena(K_IRQ), D), "irq handler");
    ok(bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, 0x2e8, 0x2ef, R, arena(K_IOPORT), D), "ioport");
    map_spare_vspace();
    start_threads(seed);
out:
    if (step_name)
        bst_printf("fuzz: set-up step '%s' failed: %s\n", step_name, bst_error_name(step_error));
    return step_name == 0;
}

void fuzz_teardown(void)
{
    for (unsigned i = 0; i < FUZZ_WORKERS; i++) {
        if (is_tcb(arena(K_WTCB0 + i)))
            bst_tcb_suspend(arena(K_WTCB0 + i));
    }
    if (is_tcb(fuzz_slots.handler_tcb))
        bst_tcb_suspend(fuzz_slots.handler_tcb);
    bst_cnode_revoke(R, fuzz_slots.carve, D);
    /* Everything else the calls left anywhere above the boot caps: copies, IRQ handlers, ports. */
    for (uint64_t slot = fuzz_slots.carve + 1; slot < (1u << BST_ROOT_CNODE_RADIX); slot++)
        bst_cnode_delete(R, slot, D);
    for (uint64_t slot = 1; slot < fuzz_slots.carve && slot < LOW_SLOTS; slot++) {
        if (low_slot_was_empty[slot])
            bst_cnode_delete(R, slot, D);
    }
}
