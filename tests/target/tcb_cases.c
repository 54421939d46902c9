/*
 * TCB invocations: Configure, SetPriority, SetMCP, Read/WriteRegisters,
 * Resume, Suspend, and deletion of a live thread. Second threads share the
 * root task's CSpace, address space and exchange frame (a minted copy of its
 * cap), run a function of this image on a static stack, and report through
 * static variables. Every case ends with scratch_reset(), which destroys
 * whatever it made; the harness then runs the kernel's invariant checker.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "user/lib/tcb.h"

#define S(n) scratch_slot(n)
#define UT_BITS 16 /* 64 KiB: TCBs, endpoints */
#define ROOT_PRIORITY 128 /* the root task's priority and maximum controlled priority */
#define LOW_PRIORITY 100
#define STACK_BYTES 4096
#define YIELDS 20
#define NON_CANONICAL 0x0000800000000000ull
#define KERNEL_ADDRESS 0xffffffff80100000ull

/* Slots each case uses. */
#define TCB S(1)
#define EXCHANGE S(2)
#define ENDPOINT S(3)
#define SPARE S(4)
#define CASE(name) CASE_WITH_SCRATCH(name)


static void yield(void) { bst_syscall3(BST_SYS_YIELD, 0, 0, 0); }

/* ---- the second thread's side */

static uint8_t thread_stack[STACK_BYTES] __attribute__((aligned(16)));
static volatile uint64_t thread_flag, thread_counter, thread_result;
static volatile bst_cptr_t thread_self;

static void __attribute__((noreturn)) flag_then_suspend(void)
{
    thread_flag = 1;
    thread_result = bst_tcb_suspend(thread_self);
    thread_flag = 2; /* only after a Resume */
    bst_tcb_suspend(thread_self);
    for (;;)
        yield();
}

static void __attribute__((noreturn)) count_and_yield(void)
{
    for (;;) {
        thread_counter++;
        yield();
    }
}

static void __attribute__((noreturn)) delete_own_tcb(void)
{
    thread_flag = 1;
    bst_cnode_delete(ROOT, thread_self, ROOT_DEPTH);
    thread_flag = 2; /* never: the thread is gone */
    for (;;)
        yield();
}

/* ---- the root task's side */

/* One object from the case's scratch untyped. */
static uint64_t make_object(uint64_t type, bst_cptr_t slot)
{
    return bst_untyped_retype(S(0), type, 0, ROOT, 0, 0, slot, 1);
}

/* A fresh TCB in TCB, and a read-write copy of the root's exchange frame cap in EXCHANGE. */
static uint64_t make_tcb_and_exchange(void)
{
    uint64_t e = make_object(BST_OBJ_TCB, TCB);
    if (e != BST_OK)
        return e;
    return bst_cnode_mint(ROOT, EXCHANGE, ROOT_DEPTH, ROOT, BST_CAP_ROOT_EXCHANGE, ROOT_DEPTH,
                          BST_RIGHT_READ | BST_RIGHT_WRITE, 0, 0);
}

static uint64_t configure_shared(bst_cptr_t fault_ep)
{
    return bst_tcb_configure(TCB, ROOT, BST_CAP_ROOT_VSPACE, EXCHANGE, BST_ROOT_EXCHANGE_ADDR, fault_ep);
}

/* A configured thread at priority that will run entry on the static stack, resumed or not. */
static uint64_t start_thread(void (*entry)(void), uint64_t priority, bool resume)
{
    thread_flag = thread_counter = 0;
    thread_result = ~0ull;
    thread_self = TCB;
    uint64_t e;
    if ((e = make_tcb_and_exchange()) != BST_OK || (e = configure_shared(0)) != BST_OK ||
        (e = bst_tcb_set_priority(TCB, BST_CAP_ROOT_TCB, priority)) != BST_OK)
        return e;
    /* As if called: the return-address slot keeps the ABI's stack alignment. */
    uint64_t regs[] = {[BST_REG_RIP] = (uint64_t)entry,
                       [BST_REG_RSP] = (uint64_t)(thread_stack + STACK_BYTES - sizeof(uint64_t))};
    return bst_tcb_write_registers(TCB, resume, 2, regs);
}

/* ---- Configure */

CASE(configure_wrong_types)
{
    CHECK(make_tcb_and_exchange() == BST_OK);
    CHECK(make_object(BST_OBJ_ENDPOINT, ENDPOINT) == BST_OK);
    bst_cptr_t x = EXCHANGE, a = BST_ROOT_EXCHANGE_ADDR, vs = BST_CAP_ROOT_VSPACE;
    CHECK_FAILS(bst_tcb_configure(TCB, vs, vs, x, a, 0), BST_E_WRONG_TYPE, BST_TCB_CONFIGURE_CSPACE);
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, ROOT, x, a, 0), BST_E_WRONG_TYPE, BST_TCB_CONFIGURE_VSPACE);
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, vs, ENDPOINT, a, 0), BST_E_WRONG_TYPE, BST_TCB_CONFIGURE_EXCHANGE);
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, vs, x, a, BST_CAP_ROOT_TCB), BST_E_WRONG_TYPE,
                BST_TCB_CONFIGURE_FAULT_EP);
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, vs, x, a, SPARE), BST_E_INVALID_CAP, BST_TCB_CONFIGURE_FAULT_EP);
    /* Nothing was configured: the thread cannot start. */
    CHECK_FAILS(bst_tcb_resume(TCB), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    return 0;
}

CASE(configure_exchange_needs_read_write)
{
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    CHECK(bst_cnode_mint(ROOT, EXCHANGE, ROOT_DEPTH, ROOT, BST_CAP_ROOT_EXCHANGE, ROOT_DEPTH, BST_RIGHT_READ,
                         0, 0) == BST_OK);
    CHECK_FAILS(configure_shared(0), BST_E_RIGHTS, BST_TCB_CONFIGURE_EXCHANGE);
    CHECK(bst_exchange->error.min == (BST_RIGHT_READ | BST_RIGHT_WRITE));
    /* The bootinfo frame is read-only too. */
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, BST_CAP_ROOT_VSPACE, BST_CAP_ROOT_BOOTINFO, BST_ROOT_EXCHANGE_ADDR, 0),
                BST_E_RIGHTS, BST_TCB_CONFIGURE_EXCHANGE);
    CHECK_FAILS(bst_tcb_resume(TCB), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    return 0;
}

CASE(configure_bad_exchange_address)
{
    CHECK(make_tcb_and_exchange() == BST_OK);
    bst_cptr_t vs = BST_CAP_ROOT_VSPACE;
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, vs, EXCHANGE, BST_ROOT_EXCHANGE_ADDR + 8, 0), BST_E_INVALID_ARG,
                BST_TCB_CONFIGURE_EXCHANGE_ADDR);
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, vs, EXCHANGE, 0, 0), BST_E_RANGE, BST_TCB_CONFIGURE_EXCHANGE_ADDR);
    CHECK(bst_exchange->error.min == BST_PAGE_SIZE);
    CHECK(bst_exchange->error.max == BST_USER_ADDR_TOP - BST_PAGE_SIZE);
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, vs, EXCHANGE, BST_USER_ADDR_TOP, 0), BST_E_RANGE,
                BST_TCB_CONFIGURE_EXCHANGE_ADDR);
    CHECK_FAILS(bst_tcb_configure(TCB, ROOT, vs, EXCHANGE, KERNEL_ADDRESS, 0), BST_E_RANGE,
                BST_TCB_CONFIGURE_EXCHANGE_ADDR);
    CHECK_FAILS(bst_tcb_resume(TCB), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    return 0;
}

CASE(configure_truncated)
{
    CHECK(make_tcb_and_exchange() == BST_OK);
    uint64_t w[] = {ROOT, BST_CAP_ROOT_VSPACE, EXCHANGE, BST_ROOT_EXCHANGE_ADDR};
    CHECK(bst_invoke(TCB, BST_TCB_CONFIGURE, 4, w, 0) == BST_E_TRUNCATED);
    CHECK(bst_exchange->error.min == BST_TCB_CONFIGURE_ARGS);
    return 0;
}

CASE(configure_fault_endpoint_and_reconfigure)
{
    CHECK(make_tcb_and_exchange() == BST_OK);
    CHECK(make_object(BST_OBJ_ENDPOINT, ENDPOINT) == BST_OK);
    /* A fault endpoint must let the kernel send. */
    CHECK(bst_cnode_mint(ROOT, SPARE, ROOT_DEPTH, ROOT, ENDPOINT, ROOT_DEPTH, BST_RIGHT_READ, 0, 0) == BST_OK);
    CHECK_FAILS(configure_shared(SPARE), BST_E_RIGHTS, BST_TCB_CONFIGURE_FAULT_EP);
    CHECK(configure_shared(ENDPOINT) == BST_OK);
    /* The TCB holds its own copies: deleting the caps it was configured from changes nothing. */
    CHECK(bst_cnode_delete(ROOT, ENDPOINT, ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, EXCHANGE, ROOT_DEPTH) == BST_OK);
    CHECK(bst_tcb_resume(TCB) == BST_OK);
    CHECK(bst_tcb_suspend(TCB) == BST_OK);
    /* Reconfiguring replaces (and deletes) the old copies; the endpoint dies with its last cap. */
    CHECK(bst_cnode_mint(ROOT, EXCHANGE, ROOT_DEPTH, ROOT, BST_CAP_ROOT_EXCHANGE, ROOT_DEPTH,
                         BST_RIGHT_READ | BST_RIGHT_WRITE, 0, 0) == BST_OK);
    CHECK(configure_shared(0) == BST_OK);
    CHECK(configure_shared(0) == BST_OK);
    CHECK(bst_tcb_resume(TCB) == BST_OK);
    return 0;
}

/* ---- priorities */

CASE(priority_limited_by_mcp)
{
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    CHECK_FAILS(bst_tcb_set_priority(TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY + 1), BST_E_RANGE, BST_TCB_PRIORITY_VALUE);
    CHECK(bst_exchange->error.min == 0 && bst_exchange->error.max == ROOT_PRIORITY);
    CHECK_FAILS(bst_tcb_set_priority(TCB, BST_CAP_ROOT_TCB, BST_MAX_PRIORITY + 1), BST_E_RANGE,
                BST_TCB_PRIORITY_VALUE);
    CHECK_FAILS(bst_tcb_set_mcp(TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY + 1), BST_E_RANGE, BST_TCB_PRIORITY_VALUE);
    CHECK(bst_exchange->error.max == ROOT_PRIORITY);
    CHECK(bst_tcb_set_priority(TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY) == BST_OK);
    CHECK_FAILS(bst_tcb_set_priority(TCB, ROOT, 1), BST_E_WRONG_TYPE, BST_TCB_PRIORITY_AUTHORITY);
    return 0;
}

CASE(new_thread_controls_no_priority)
{
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    /* A new TCB's mcp is 0: as an authority it allows priority 0 only. */
    CHECK_FAILS(bst_tcb_set_priority(TCB, TCB, 1), BST_E_RANGE, BST_TCB_PRIORITY_VALUE);
    CHECK(bst_exchange->error.max == 0);
    CHECK(bst_tcb_set_priority(TCB, TCB, 0) == BST_OK);
    CHECK(bst_tcb_set_mcp(TCB, BST_CAP_ROOT_TCB, 50) == BST_OK);
    CHECK(bst_tcb_set_priority(TCB, TCB, 50) == BST_OK);
    CHECK_FAILS(bst_tcb_set_priority(TCB, TCB, 51), BST_E_RANGE, BST_TCB_PRIORITY_VALUE);
    CHECK(bst_exchange->error.max == 50);
    /* The root task's own priority is not raised by a thread it made. */
    CHECK_FAILS(bst_tcb_set_priority(BST_CAP_ROOT_TCB, TCB, ROOT_PRIORITY), BST_E_RANGE, BST_TCB_PRIORITY_VALUE);
    return 0;
}

CASE(own_priority_requeues)
{
    /* The current thread moves between ready queues; the invariant checker sees them. */
    CHECK(bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY - 1) == BST_OK);
    yield();
    CHECK(bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY) == BST_OK);
    yield();
    return 0;
}

/* ---- registers */

CASE(write_then_read_registers)
{
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    struct bst_tcb_registers in, out;
    uint64_t *w = (uint64_t *)&in;
    for (unsigned i = 0; i < BST_TCB_REGISTER_COUNT; i++)
        w[i] = 0x1000 * (i + 1) + i;
    in.rflags = ~0ull; /* the kernel keeps only what user mode may set */
    CHECK(bst_tcb_write_all(TCB, false, &in) == BST_OK);
    CHECK(bst_tcb_read_all(TCB, &out) == BST_OK);
    const uint64_t *r = (const uint64_t *)&out;
    for (unsigned i = 0; i < BST_TCB_REGISTER_COUNT; i++)
        CHECK(i == BST_REG_RFLAGS || r[i] == w[i]);
    CHECK(out.rflags & BST_RFLAGS_IF);
    CHECK((out.rflags & ~(BST_RFLAGS_USER_MASK | BST_RFLAGS_IF | 2)) == 0); /* no IOPL, TF, NT, AC... */
    CHECK((out.rflags & BST_RFLAGS_USER_MASK) == BST_RFLAGS_USER_MASK);
    /* A prefix: six registers, four in registers and two through the exchange frame. */
    uint64_t six[6] = {0};
    CHECK(bst_tcb_read_registers(TCB, 6, six) == BST_OK);
    CHECK(six[BST_REG_RBX] == in.rbx && six[BST_REG_RCX] == in.rcx);
    return 0;
}

CASE(register_count_and_self)
{
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    uint64_t w[BST_TCB_REGISTER_COUNT + 1] = {0};
    CHECK_FAILS(bst_tcb_read_registers(TCB, BST_TCB_REGISTER_COUNT + 1, w), BST_E_RANGE, 0);
    CHECK(bst_exchange->error.max == BST_TCB_REGISTER_COUNT);
    CHECK_FAILS(bst_tcb_write_registers(TCB, false, BST_TCB_REGISTER_COUNT + 1, w), BST_E_RANGE,
                BST_TCB_WRITE_COUNT);
    uint64_t short_msg[] = {0, 5, 0x1000, 0x2000, 0};
    CHECK(bst_invoke(TCB, BST_TCB_WRITE_REGISTERS, 5, short_msg, 0) == BST_E_TRUNCATED);
    uint64_t bad_resume[] = {2, 0};
    CHECK_FAILS(bst_invoke(TCB, BST_TCB_WRITE_REGISTERS, 2, bad_resume, 0), BST_E_INVALID_ARG,
                BST_TCB_WRITE_RESUME);
    /* A thread in a system call has nothing meaningful to show or change. */
    CHECK_FAILS(bst_tcb_read_registers(BST_CAP_ROOT_TCB, 1, w), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK_FAILS(bst_tcb_write_registers(BST_CAP_ROOT_TCB, false, 0, w), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(bst_tcb_read_registers(TCB, 0, w) == BST_OK);
    return 0;
}

CASE(write_non_canonical_pointers)
{
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    uint64_t good[2] = {0x401000, 0x3ff000}, now[2];
    CHECK(bst_tcb_write_registers(TCB, false, 2, good) == BST_OK);
    uint64_t bad_rip[2] = {NON_CANONICAL, 0x3ff000};
    CHECK_FAILS(bst_tcb_write_registers(TCB, false, 2, bad_rip), BST_E_RANGE, BST_TCB_WRITE_FIRST_REG + BST_REG_RIP);
    CHECK(bst_exchange->error.max == BST_USER_ADDR_TOP - 1);
    uint64_t bad_rsp[2] = {0x401000, KERNEL_ADDRESS};
    CHECK_FAILS(bst_tcb_write_registers(TCB, false, 2, bad_rsp), BST_E_RANGE, BST_TCB_WRITE_FIRST_REG + BST_REG_RSP);
    uint64_t top[1] = {BST_USER_ADDR_TOP};
    CHECK_FAILS(bst_tcb_write_registers(TCB, false, 1, top), BST_E_RANGE, BST_TCB_WRITE_FIRST_REG);
    /* Refused writes changed nothing. */
    CHECK(bst_tcb_read_registers(TCB, 2, now) == BST_OK);
    CHECK(now[0] == good[0] && now[1] == good[1]);
    /* Resuming an unconfigured thread fails before anything is written. */
    uint64_t other[2] = {0x402000, 0x3fe000};
    CHECK_FAILS(bst_tcb_write_registers(TCB, true, 2, other), BST_E_ILLEGAL_OPERATION, BST_TCB_WRITE_RESUME);
    CHECK(bst_tcb_read_registers(TCB, 2, now) == BST_OK);
    CHECK(now[0] == good[0]);
    return 0;
}

/* ---- Resume, Suspend, and real threads */

CASE(resume_unconfigured)
{
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    CHECK_FAILS(bst_tcb_resume(TCB), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    CHECK(bst_tcb_suspend(TCB) == BST_OK); /* an inactive thread stays inactive */
    CHECK(bst_invoke(TCB, BST_INV_LABEL_COUNT, 0, 0, 0) == BST_E_NOT_SUPPORTED);
    return 0;
}

CASE(second_thread_runs_and_suspends_itself)
{
    CHECK(start_thread(flag_then_suspend, ROOT_PRIORITY, true) == BST_OK);
    CHECK(thread_flag == 0); /* equal priority: it waits until the root task yields */
    for (unsigned i = 0; i < YIELDS && thread_flag == 0; i++)
        yield();
    CHECK(thread_flag == 1);
    /* It suspended itself: its registers show where, on its own stack. */
    struct bst_tcb_registers regs;
    CHECK(bst_tcb_read_all(TCB, &regs) == BST_OK);
    CHECK(regs.rsp > (uint64_t)thread_stack && regs.rsp < (uint64_t)thread_stack + STACK_BYTES);
    yield();
    CHECK(thread_flag == 1);
    /* Resumed, it returns from its Suspend call with success. */
    CHECK(bst_tcb_resume(TCB) == BST_OK);
    for (unsigned i = 0; i < YIELDS && thread_flag == 1; i++)
        yield();
    CHECK(thread_flag == 2);
    CHECK(thread_result == BST_OK);
    return 0;
}

CASE(lower_priority_thread_waits)
{
    CHECK(start_thread(count_and_yield, LOW_PRIORITY, true) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter == 0); /* the root task is always ahead of it */
    CHECK(bst_tcb_set_priority(TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter > 0);
    /* Back down while runnable: it moves queues and stops getting the CPU. */
    CHECK(bst_tcb_set_priority(TCB, BST_CAP_ROOT_TCB, LOW_PRIORITY) == BST_OK);
    uint64_t seen = thread_counter;
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter == seen);
    return 0;
}

CASE(suspend_and_resume_other_thread)
{
    CHECK(start_thread(count_and_yield, ROOT_PRIORITY, true) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter > 0);
    CHECK(bst_tcb_suspend(TCB) == BST_OK);
    uint64_t seen = thread_counter;
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter == seen);
    CHECK(bst_tcb_resume(TCB) == BST_OK);
    CHECK(bst_tcb_resume(TCB) == BST_OK); /* resuming a runnable thread changes nothing */
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter > seen);
    return 0;
}

CASE(write_registers_and_resume)
{
    CHECK(start_thread(count_and_yield, ROOT_PRIORITY, false) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter == 0); /* configured but not resumed */
    uint64_t regs[] = {(uint64_t)count_and_yield, (uint64_t)(thread_stack + STACK_BYTES - sizeof(uint64_t))};
    CHECK(bst_tcb_write_registers(TCB, true, 2, regs) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter > 0);
    return 0;
}

CASE(delete_runnable_thread)
{
    CHECK(start_thread(count_and_yield, ROOT_PRIORITY, true) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter > 0);
    CHECK(bst_cnode_delete(ROOT, TCB, ROOT_DEPTH) == BST_OK); /* the last cap: the thread dies */
    uint64_t seen = thread_counter;
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter == seen);
    /* Its memory makes a new thread, which runs normally. */
    CHECK(make_object(BST_OBJ_TCB, TCB) == BST_OK);
    CHECK(configure_shared(0) == BST_OK);
    CHECK(bst_tcb_set_priority(TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY) == BST_OK);
    uint64_t regs[] = {(uint64_t)count_and_yield, (uint64_t)(thread_stack + STACK_BYTES - sizeof(uint64_t))};
    CHECK(bst_tcb_write_registers(TCB, true, 2, regs) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter > seen);
    return 0;
}

CASE(thread_deletes_itself)
{
    CHECK(start_thread(delete_own_tcb, ROOT_PRIORITY, true) == BST_OK);
    for (unsigned i = 0; i < YIELDS && thread_flag == 0; i++)
        yield();
    CHECK(thread_flag == 1);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_flag == 1); /* the kernel never returned to it */
    CHECK(cap_info(TCB).type == BST_OBJ_NULL);
    return 0;
}

CASE(revoked_address_space_stops_thread)
{
    /* The thread runs in the root's address space, configured through a copy of its cap. */
    CHECK(start_thread(count_and_yield, ROOT_PRIORITY, false) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, SPARE, ROOT_DEPTH, ROOT, BST_CAP_ROOT_VSPACE, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_tcb_configure(TCB, ROOT, SPARE, EXCHANGE, BST_ROOT_EXCHANGE_ADDR, 0) == BST_OK);
    CHECK(bst_tcb_resume(TCB) == BST_OK);
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter > 0);
    /* Revoking the copy takes the TCB's own cap with it: the thread has no address space left. */
    CHECK(bst_cnode_revoke(ROOT, SPARE, ROOT_DEPTH) == BST_OK);
    uint64_t seen = thread_counter;
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter <= seen + 1); /* at most the iteration it was in; then it faults */
    seen = thread_counter;
    for (unsigned i = 0; i < YIELDS; i++)
        yield();
    CHECK(thread_counter == seen);
    CHECK_FAILS(bst_tcb_resume(TCB), BST_E_ILLEGAL_OPERATION, BST_ARG_NONE);
    return 0;
}

CASE(delete_endpoint_and_notification)
{
    /* Their queues are empty until IPC exists; deletion must still be clean. */
    CHECK(make_object(BST_OBJ_ENDPOINT, ENDPOINT) == BST_OK);
    CHECK(make_object(BST_OBJ_NOTIFICATION, SPARE) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, S(5), ROOT_DEPTH, ROOT, ENDPOINT, ROOT_DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, ENDPOINT, ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, S(5), ROOT_DEPTH) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, SPARE, ROOT_DEPTH) == BST_OK);
    return 0;
}

const struct test_case tcb_cases[] = {
    {"tcb: configure with caps of the wrong type changes nothing", configure_wrong_types},
    {"tcb: configure needs a read-write exchange frame", configure_exchange_needs_read_write},
    {"tcb: configure refuses bad exchange addresses", configure_bad_exchange_address},
    {"tcb: configure with too few words is truncated", configure_truncated},
    {"tcb: fault endpoint, own cap copies, reconfigure", configure_fault_endpoint_and_reconfigure},
    {"tcb: priority and mcp limited by the authority's mcp", priority_limited_by_mcp},
    {"tcb: a new thread controls no priority", new_thread_controls_no_priority},
    {"tcb: the current thread changes its own priority", own_priority_requeues},
    {"tcb: write then read all registers; rflags sanitised", write_then_read_registers},
    {"tcb: register counts, truncation, own registers refused", register_count_and_self},
    {"tcb: non-canonical rip and rsp refused, nothing written", write_non_canonical_pointers},
    {"tcb: resume needs a configured thread", resume_unconfigured},
    {"tcb: second thread runs, suspends itself, resumes", second_thread_runs_and_suspends_itself},
    {"tcb: lower-priority thread waits; priority re-queues", lower_priority_thread_waits},
    {"tcb: suspend and resume another thread", suspend_and_resume_other_thread},
    {"tcb: write registers with resume starts a thread", write_registers_and_resume},
    {"tcb: delete a runnable thread, reuse its memory", delete_runnable_thread},
    {"tcb: a thread deletes its own TCB and never runs again", thread_deletes_itself},
    {"tcb: revoking a thread's address space cap stops it", revoked_address_space_stops_thread},
    {"tcb: endpoint and notification deletion", delete_endpoint_and_notification},
};
const unsigned tcb_case_count = sizeof(tcb_cases) / sizeof(tcb_cases[0]);
