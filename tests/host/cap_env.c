/*
 * Host environment of the capability core: see cap_env.h. Everything here
 * stands in for what the real kernel sources under test need from the rest
 * of the kernel (the arch layer, the object files being written elsewhere,
 * the scheduler) and nothing here re-implements the code under test.
 */
#include "kernel/object/relay.h"
#include "kernel/object/xentry.h"
#include "kernel/object/linkstack.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/cap_env.h"
#include "kernel/core/sched.h"

const struct env_untyped env_untyped[ENV_UNTYPED_COUNT] = {
    {ENV_UT_512K, 0x180000ull, 19, false},   {ENV_UT_DEVICE, 0x200000ull, 21, true},
    {ENV_UT_4M, 0x400000ull, 22, false},     {ENV_UT_8M, 0x800000ull, 23, false},
    {ENV_UT_16M, 0x1000000ull, 24, false},   {ENV_UT_32M, 0x2000000ull, 25, false},
};

/* ---------------------------------------------------------------- the arena */

static uint8_t *arena;

void env_init(void)
{
    if (!arena)
        arena = aligned_alloc(4096, ENV_ARENA_SIZE);
    if (!arena) {
        fprintf(stderr, "cap_env: cannot allocate the %llu MiB arena\n",
                (unsigned long long)(ENV_ARENA_SIZE >> 20));
        abort();
    }
}

void env_fini(void)
{
    free(arena);
    arena = NULL;
}

/* The kernel's physical map. Anything outside the arena is a kernel bug: stop loudly. */
void *arch_phys_to_virt(uint64_t paddr)
{
    if (!arena || paddr < ENV_ARENA_BASE || paddr - ENV_ARENA_BASE >= ENV_ARENA_SIZE) {
        fprintf(stderr, "cap_env: arch_phys_to_virt(%#llx) outside the arena\n", (unsigned long long)paddr);
        abort();
    }
    return arena + (paddr - ENV_ARENA_BASE);
}

bool arch_phys_map_contains(const void *p, size_t size)
{
    const uint8_t *b = p;
    return arena && b >= arena && (size_t)(b - arena) <= ENV_ARENA_SIZE && size <= ENV_ARENA_SIZE - (size_t)(b - arena);
}

uint8_t *env_mem(uint64_t paddr) { return arch_phys_to_virt(paddr); }

uint64_t env_paddr_of(const void *p)
{
    const uint8_t *b = p;
    if (!arena || b < arena || b >= arena + ENV_ARENA_SIZE) {
        fprintf(stderr, "cap_env: %p is not in the arena\n", p);
        abort();
    }
    return ENV_ARENA_BASE + (uint64_t)(b - arena);
}

bool env_is_zero(uint64_t paddr, uint64_t size)
{
    const uint8_t *p = env_mem(paddr);
    for (uint64_t i = 0; i < size; i++)
        if (p[i])
            return false;
    return true;
}

/* ---------------------------------------------------------------- boot, as roottask.c */

struct tcb *env_caller;
static unsigned root_radix;

struct slot *env_root_slots(void) { return (struct slot *)env_mem(ENV_ROOT_CNODE_PADDR); }
unsigned env_root_radix(void) { return root_radix; }

struct slot *env_slot(uint64_t root_index)
{
    if (root_index >= (1ull << root_radix)) {
        fprintf(stderr, "cap_env: root slot %llu does not exist\n", (unsigned long long)root_index);
        abort();
    }
    return &env_root_slots()[root_index];
}

static void boot_cap(unsigned slot, struct cap cap)
{
    cap_set_flags(&cap, cap_flags(&cap) | CAP_FLAG_ORIGINAL);
    env_slot(slot)->cap = cap;
    cdt_insert_child(&cdt_boot_root, env_slot(slot));
}

static void tcb_copy(struct slot *dst, unsigned from)
{
    dst->cap = env_slot(from)->cap;
    cap_set_flags(&dst->cap, cap_flags(&dst->cap) & ~CAP_FLAG_ORIGINAL);
    cdt_insert_child(env_slot(from), dst);
}

/* Stale data everywhere, as after a previous life of the machine: Retype must zero. */
#define ENV_STALE_BYTE 0xcb

void env_boot(unsigned radix)
{
    env_init();
    if (radix < 5 || radix > ENV_ROOT_MAX_RADIX)
        abort(); /* the boot caps need slots up to ENV_UT_END */
    root_radix = radix;
    memset(arena, ENV_STALE_BYTE, ENV_ARENA_SIZE);
    memset(&cdt_boot_root, 0, sizeof(cdt_boot_root));
    memset(env_mem(ENV_ROOT_CNODE_PADDR), 0, (size_t)1 << (radix + BST_SLOT_SIZE_BITS));
    memset(env_mem(ENV_EXCHANGE_PADDR), 0, BST_EXCHANGE_SIZE);
    memset(env_mem(ENV_TCB_PADDR), 0, 1u << BST_TCB_SIZE_BITS);
    env_events_clear();

    env_caller = (struct tcb *)env_mem(ENV_TCB_PADDR);
    env_caller->cspace_now = &env_caller->cspace_root; /* as tcb_init does */
    env_caller->vspace_now = &env_caller->vspace_root;
    snprintf(env_caller->name, sizeof(env_caller->name), "root");
    env_caller->state = THREAD_RUNNING;
    env_caller->exchange_uaddr = BST_ROOT_EXCHANGE_ADDR;

    struct cap cnode = cap_make(BST_OBJ_CNODE, BST_RIGHTS_ALL, radix, ENV_ROOT_CNODE_PADDR);
    cap_set_guard_bits(&cnode, 64 - radix); /* guard 0: slot numbers are cptrs */
    boot_cap(BST_CAP_ROOT_CNODE, cnode);
    boot_cap(BST_CAP_ROOT_TCB, cap_make(BST_OBJ_TCB, BST_RIGHTS_ALL, 0, ENV_TCB_PADDR));
    boot_cap(BST_CAP_IRQ_CONTROL, cap_make(BST_OBJ_IRQ_CONTROL, BST_RIGHTS_ALL, 0, 0));
    boot_cap(BST_CAP_IOPORT_CONTROL, cap_make(BST_OBJ_IOPORT_CONTROL, BST_RIGHTS_ALL, 0, 0));
    struct cap exchange = cap_make(BST_OBJ_FRAME_4K, BST_RIGHT_READ | BST_RIGHT_WRITE, 0, ENV_EXCHANGE_PADDR);
    exchange.w2 = BST_ROOT_EXCHANGE_ADDR;
    boot_cap(BST_CAP_ROOT_EXCHANGE, exchange);
    for (unsigned i = 0; i < ENV_UNTYPED_COUNT; i++) {
        const struct env_untyped *u = &env_untyped[i];
        struct cap c = cap_make(BST_OBJ_UNTYPED, BST_RIGHTS_ALL, u->size_bits, u->paddr);
        if (u->device)
            cap_set_flags(&c, CAP_FLAG_DEVICE);
        boot_cap(u->slot, c);
    }
    tcb_copy(&env_caller->cspace_root, BST_CAP_ROOT_CNODE);
    tcb_copy(&env_caller->exchange_frame, BST_CAP_ROOT_EXCHANGE);
}

/* ---------------------------------------------------------------- arch and kernel stand-ins */


/* The scheduler is not under test here (tests/host/test_sched.c covers it). */
unsigned invariants_check_ready_queues(void) { return 0; }

struct slot *tcb_cap_slots(struct tcb *tcb) { return &tcb->cspace_root; }

/* Object types whose files are not linked into these tests have no invocations here. */
static enum bst_error not_here(struct invocation *inv)
{
    return inv_fail(inv, BST_E_NOT_SUPPORTED, BST_ARG_NONE, 0, 0, "not linked into the host test");
}
enum bst_error tcb_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error frame_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error page_table_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error irq_control_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error irq_handler_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error ioport_control_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error ioport_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error machine_control_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error asid_control_invoke(struct invocation *inv) { return not_here(inv); }
enum bst_error asid_pool_invoke(struct invocation *inv) { return not_here(inv); }

/* ---------------------------------------------------------------- recording fakes */

struct env_event env_events[ENV_MAX_EVENTS];
unsigned env_event_count;

void env_events_clear(void)
{
    env_event_count = 0;
}

static void record(enum env_hook hook, const struct cap *cap, bool final)
{
    if (env_event_count >= ENV_MAX_EVENTS) {
        fprintf(stderr, "cap_env: more than %u hook events without a clear\n", ENV_MAX_EVENTS);
        abort();
    }
    env_events[env_event_count++] = (struct env_event){hook, *cap, final};
}

unsigned env_hook_count(enum env_hook hook)
{
    unsigned n = 0;
    for (unsigned i = 0; i < env_event_count; i++)
        n += env_events[i].hook == hook;
    return n;
}

unsigned env_final_events_for(const struct cap *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < env_event_count; i++)
        n += env_events[i].final && env_events[i].hook != HOOK_TCB_OBJECT_INIT &&
             env_events[i].hook != HOOK_VSPACE_INIT_ROOT && cap_same_object(&env_events[i].cap, c);
    return n;
}

static struct cap tcb_cap_of(const struct tcb *tcb)
{
    return cap_make(BST_OBJ_TCB, 0, 0, env_paddr_of(tcb));
}

void frame_cap_deleted(const struct cap *cap) { record(HOOK_FRAME_DELETED, cap, false); }

void page_table_cap_deleted(const struct cap *cap, bool final)
{
    record(HOOK_PAGE_TABLE_DELETED, cap, final);
}

void tcb_finalise(struct tcb *tcb)
{
    struct cap c = tcb_cap_of(tcb);
    record(HOOK_TCB_FINALISE, &c, true);
}

void endpoint_finalise(const struct cap *cap) { record(HOOK_ENDPOINT_FINALISE, cap, true); }
void notification_finalise(const struct cap *cap) { record(HOOK_NOTIFICATION_FINALISE, cap, true); }
void irq_handler_finalise(const struct cap *cap) { record(HOOK_IRQ_HANDLER_FINALISE, cap, true); }
void ioport_finalise(const struct cap *cap) { record(HOOK_IOPORT_FINALISE, cap, true); }
void asid_pool_finalise(const struct cap *cap) { (void)cap; }

/* Relay objects: their layout as the kernel's (object/relay.c, xentry.c); bindings never occur here. */
uint64_t relay_segment_footprint(unsigned size_bits) { return (1ull << size_bits) + BST_RELAY_CONTROL_BYTES; }
void relay_segment_init(uint64_t paddr, unsigned size_bits) { (void)paddr, (void)size_bits; }
void relay_segment_cap_deleted(const struct cap *cap, const struct slot *slot, bool final)
{
    (void)cap, (void)slot, (void)final;
}
struct xentry_table *xentry_table_of(const struct cap *c) { return arch_phys_to_virt(c->paddr); }
struct slot *xentry_slots(const struct cap *c)
{
    return arch_phys_to_virt(c->paddr + (1u << (BST_XENTRY_TABLE_BITS - 1)));
}
void xentry_cap_deleted(const struct cap *cap, bool final) { (void)cap, (void)final; }
void xentry_table_finalise(const struct cap *cap) { (void)cap; }
void xentry_table_cap_deleted(const struct cap *cap, struct slot *slot, bool final)
{
    (void)cap, (void)slot, (void)final;
}
void link_stack_cap_deleted(const struct cap *cap, struct slot *slot) { (void)cap, (void)slot; }
enum bst_error relay_segment_invoke(struct invocation *inv) { return inv_fail(inv, BST_E_NOT_SUPPORTED, 0, 0, 0, "host"); }
enum bst_error xentry_table_invoke(struct invocation *inv) { return inv_fail(inv, BST_E_NOT_SUPPORTED, 0, 0, 0, "host"); }
enum bst_error xentry_invoke(struct invocation *inv) { return inv_fail(inv, BST_E_NOT_SUPPORTED, 0, 0, 0, "host"); }

void tcb_object_init(struct tcb *tcb)
{
    struct cap c = tcb_cap_of(tcb);
    record(HOOK_TCB_OBJECT_INIT, &c, false);
}

void arch_vspace_init_root(uint64_t root)
{
    struct cap c = cap_make(BST_OBJ_PML4, 0, 0, root);
    record(HOOK_VSPACE_INIT_ROOT, &c, false);
}

/* No interrupt ever waits on the host: long operations run to the end. */
bool arch_interrupt_pending(void) { return false; }

/* ---------------------------------------------------------------- invocations */

static struct bst_exchange *exchange(void) { return (struct bst_exchange *)env_mem(ENV_EXCHANGE_PADDR); }

enum bst_error env_call(uint64_t cptr, uint64_t label, unsigned n, const uint64_t *words)
{
    uint64_t regs[BST_MSG_REGISTER_WORDS] = {0};
    for (unsigned i = 0; i < n; i++) {
        if (i < BST_MSG_REGISTER_WORDS)
            regs[i] = words[i];
        else
            exchange()->msg[i] = words[i];
    }
    memset(&exchange()->error, 0, sizeof(exchange()->error));
    tcb_refresh_cached(env_caller); /* as sched_run does before the thread runs again */
    invoke_syscall(env_caller, cptr, bst_msginfo(label, 0, n), regs);
    return (enum bst_error)env_caller->context.rax;
}

const struct bst_error_detail *env_detail(void) { return &exchange()->error; }

const uint64_t *env_result_words(void)
{
    static uint64_t words[4];
    words[0] = env_caller->context.rdx;
    words[1] = env_caller->context.r10;
    words[2] = env_caller->context.r8;
    words[3] = env_caller->context.r9;
    return words;
}

enum bst_error env_retype(uint64_t ut, uint64_t type, uint64_t size_bits, uint64_t offset, uint64_t count)
{
    return ENV_CALL(ut, BST_UNTYPED_RETYPE, type, size_bits, ENV_ROOT, 0, 0, offset, count);
}

enum bst_error env_copy(uint64_t dest, uint64_t src, uint64_t rights)
{
    return ENV_CALL(ENV_ROOT, BST_CNODE_COPY, dest, 64, ENV_ROOT, src, 64, rights);
}

enum bst_error env_mint(uint64_t dest, uint64_t src, uint64_t rights, uint64_t badge, uint64_t guard_bits)
{
    return ENV_CALL(ENV_ROOT, BST_CNODE_MINT, dest, 64, ENV_ROOT, src, 64, rights, badge, guard_bits);
}

enum bst_error env_move(uint64_t dest, uint64_t src)
{
    return ENV_CALL(ENV_ROOT, BST_CNODE_MOVE, dest, 64, ENV_ROOT, src, 64);
}

enum bst_error env_mutate(uint64_t dest, uint64_t src, uint64_t badge, uint64_t guard_bits)
{
    return ENV_CALL(ENV_ROOT, BST_CNODE_MUTATE, dest, 64, ENV_ROOT, src, 64, badge, guard_bits);
}

enum bst_error env_delete(uint64_t index) { return ENV_CALL(ENV_ROOT, BST_CNODE_DELETE, index, 64); }
enum bst_error env_revoke(uint64_t index) { return ENV_CALL(ENV_ROOT, BST_CNODE_REVOKE, index, 64); }

/* ---------------------------------------------------------------- scans */

#define ENV_MAX_SLOTS (1u << 18)

static struct slot *tree_buf[ENV_MAX_SLOTS];
static struct slot *container_buf[ENV_MAX_SLOTS];

unsigned env_tree_slots(struct slot ***out)
{
    unsigned n = 0;
    const struct slot *root = &cdt_boot_root;
    struct slot *s = cdt_boot_root.first_child;
    while (s) {
        if (n == ENV_MAX_SLOTS)
            abort();
        tree_buf[n++] = s;
        if (s->first_child) {
            s = s->first_child;
            continue;
        }
        while (s && s != root && !s->next_sibling)
            s = s->parent;
        s = (s && s != root) ? s->next_sibling : NULL;
    }
    *out = tree_buf;
    return n;
}

struct container {
    struct slot *slots;
    unsigned count;   /* usable slots from `slots` */
    uint8_t *bytes;   /* the whole object for snapshots (CNode: slot 0 too) */
    size_t size;
};

#define ENV_MAX_CONTAINERS 8192
static struct container containers[ENV_MAX_CONTAINERS];

/* The live containers named by caps in the tree, each once, plus the caller's TCB. */
static unsigned find_containers(void)
{
    struct slot **tree;
    unsigned n = env_tree_slots(&tree), count = 0;
    bool caller_seen = false;
    for (unsigned i = 0; i <= n; i++) {
        struct container c;
        if (i == n) {
            if (caller_seen)
                break;
            c = (struct container){tcb_cap_slots(env_caller), TCB_CAP_SLOTS,
                                   (uint8_t *)tcb_cap_slots(env_caller),
                                   TCB_CAP_SLOTS * sizeof(struct slot)};
        } else {
            const struct cap *cap = &tree[i]->cap;
            if (cap_type(cap) == BST_OBJ_CNODE) {
                struct slot *slots = cnode_slots(cap);
                size_t count_all = (size_t)1 << cap_size_bits(cap);
                c = (struct container){slots + 1, (unsigned)count_all - 1, (uint8_t *)slots,
                                       count_all * sizeof(struct slot)};
            } else if (cap_type(cap) == BST_OBJ_TCB) {
                struct tcb *t = arch_phys_to_virt(cap->paddr);
                caller_seen |= t == env_caller;
                c = (struct container){tcb_cap_slots(t), TCB_CAP_SLOTS, (uint8_t *)tcb_cap_slots(t),
                                       TCB_CAP_SLOTS * sizeof(struct slot)};
            } else {
                continue;
            }
        }
        bool seen = false;
        for (unsigned j = 0; j < count && !seen; j++)
            seen = containers[j].bytes == c.bytes;
        if (seen)
            continue;
        if (count == ENV_MAX_CONTAINERS)
            abort();
        containers[count++] = c;
    }
    return count;
}

unsigned env_container_slots(struct slot ***out)
{
    unsigned n = 0, count = find_containers();
    for (unsigned i = 0; i < count; i++) {
        for (unsigned j = 0; j < containers[i].count; j++) {
            if (n == ENV_MAX_SLOTS)
                abort();
            container_buf[n++] = &containers[i].slots[j];
        }
    }
    *out = container_buf;
    return n;
}

struct env_snapshot {
    struct slot boot_root;
    unsigned count;
    struct {
        uint8_t *where;
        size_t size;
        uint8_t *copy;
    } part[];
};

struct env_snapshot *env_snapshot_take(void)
{
    unsigned count = find_containers();
    struct env_snapshot *s = malloc(sizeof(*s) + count * sizeof(s->part[0]));
    if (!s)
        abort();
    s->boot_root = cdt_boot_root;
    s->count = count;
    for (unsigned i = 0; i < count; i++) {
        s->part[i].where = containers[i].bytes;
        s->part[i].size = containers[i].size;
        s->part[i].copy = malloc(containers[i].size);
        if (!s->part[i].copy)
            abort();
        memcpy(s->part[i].copy, containers[i].bytes, containers[i].size);
    }
    return s;
}

bool env_snapshot_equal(const struct env_snapshot *s)
{
    if (memcmp(&s->boot_root, &cdt_boot_root, sizeof(cdt_boot_root)) != 0) {
        fprintf(stderr, "snapshot: cdt_boot_root changed\n");
        return false;
    }
    unsigned count = find_containers();
    if (count != s->count) {
        fprintf(stderr, "snapshot: %u containers, were %u\n", count, s->count);
        return false;
    }
    for (unsigned i = 0; i < count; i++) {
        if (containers[i].bytes != s->part[i].where || containers[i].size != s->part[i].size) {
            fprintf(stderr, "snapshot: container %u is another one\n", i);
            return false;
        }
        if (memcmp(s->part[i].copy, s->part[i].where, s->part[i].size) != 0) {
            size_t off = 0;
            while (s->part[i].copy[off] == s->part[i].where[off])
                off++;
            fprintf(stderr, "snapshot: container %u (paddr %#llx) differs at byte %zu (slot %zu)\n", i,
                    (unsigned long long)env_paddr_of(s->part[i].where), off, off / sizeof(struct slot));
            return false;
        }
    }
    return true;
}

void env_snapshot_free(struct env_snapshot *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->count; i++)
        free(s->part[i].copy);
    free(s);
}
