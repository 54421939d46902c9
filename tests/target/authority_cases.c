/*
 * Authority over the machine and over I/O ports (issue 9, holes 5 and 7).
 *
 * MachineControl: debug calls that act and powering off need the cap the
 * root task got at boot (BST_CAP_MACHINE_CONTROL) or a copy with the right
 * right; an empty slot, another type or a read-only copy is refused with the
 * documented error and nothing happens. A child process without a copy can
 * neither print, nor run the checker, nor power off; with a copy it prints.
 *
 * I/O ports: the kernel's own ports are never issued, and a port range is
 * bound to one address space at a time (any copy of its cap), until that
 * address space dies or the last cap to the range goes.
 *
 * Children come from the boot module "test-child.elf" (tests/child), at a
 * priority below the root's, and report through a shared frame, as in
 * process_cases.c. Every case destroys its child and resets scratch state.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/childtest.h"
#include "tests/child/child.h"
#include <bastion/device.h>
#include <bastion/console.h>
#include "user/lib/device.h"
#include "user/lib/process.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define S(n) scratch_slot(n)
#define UT_BITS 20             /* 1 MiB: a child needs about 200 KiB */
#define PROC_FIRST (S(63) + 1) /* the process's slots lie above the scratch slots */
#define PROC_SLOTS 200
#define SHARED S(1)
#define MACHINE_COPY S(2)
#define IOPORT S(3)
#define IOPORT_COPY S(4)
#define ROOT_PRIORITY 128
#define CHILD_PRIORITY 100
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define DEPTH 64
#define MACHINE BST_CAP_MACHINE_CONTROL

static struct bst_process proc;
static struct bst_spawn_frame shared_frame;


static bool share_frame(void) { return child_share_frame(S(0), SHARED); }

static void cleanup(void)
{
    bst_process_destroy(&proc);
    bst_frame_unmap(SHARED);
    scratch_reset();
}

/* Runs the body with a scratch untyped in S(0) and the shared frame, then cleans up, pass or fail. */
static bool setup(void)
{
    memset(&proc, 0, sizeof(proc));
    return scratch_untyped(UT_BITS) && share_frame();
}
#define CASE(name) CASE_WITH(name, setup(), cleanup)

/* Spawns the test child in mode with the given caps; it has not run yet. */
static uint64_t spawn(enum child_mode mode, uint64_t cookie, const struct bst_spawn_cap *caps, unsigned cap_count)
{
    const struct bst_boot_module *m = bst_boot_module(CHILD_MODULE);
    if (!m)
        return BST_E_INVALID_ARG;
    shared_frame = (struct bst_spawn_frame){SHARED, CHILD_SHARED_ADDR, RW};
    struct bst_spawn p = {
        .image = (const void *)m->user_addr, .image_size = m->size, .untyped = S(0),
        .asid_pool = BST_CAP_ROOT_ASID_POOL, .cnode = ROOT,
        .first_slot = PROC_FIRST, .slot_count = PROC_SLOTS,
        .vspace = BST_CAP_ROOT_VSPACE, .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH,
        .authority = BST_CAP_ROOT_TCB, .priority = CHILD_PRIORITY, .start_arg = CHILD_ARG(mode, cookie),
        .frames = &shared_frame, .frame_count = 1, .caps = caps, .cap_count = cap_count,
    };
    return bst_process_spawn(&p, &proc);
}

/* The root drops below the child for a moment: the child runs until it stops. */
static void let_child_run(void)
{
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, CHILD_PRIORITY - 1);
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY);
}

/* The debug call failed with code, naming argument 0 (the MachineControl cap). */
static bool refused(struct bst_result r, uint64_t code)
{
    return r.error == code && bst_exchange->error.code == code && bst_exchange->error.argument == 0;
}

/* ---- MachineControl */

CASE(machine_boot_cap)
{
    struct cap_info c = cap_info(MACHINE);
    CHECK(c.type == BST_OBJ_MACHINE_CONTROL && c.rights == RW);
    /* Not retypeable: nobody can make a second one from memory. */
    CHECK_FAILS(bst_untyped_retype(S(0), BST_OBJ_MACHINE_CONTROL, 0, ROOT, 0, 0, S(5), 1), BST_E_INVALID_ARG, 0);
    return 0;
}

/* An empty slot, a slot outside the CNode, another type: print, checker, shutdown refused. */
CASE(machine_no_cap_refused)
{
    static const char text[] = "authority: this text must never be printed\n";
    memcpy(bst_exchange->data, text, sizeof(text) - 1);
    const bst_cptr_t empty = S(5), outside = 1ull << 40, other = BST_CAP_ROOT_TCB;
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_PUTS, empty, sizeof(text) - 1), BST_E_INVALID_CAP));
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_PUTS, outside, sizeof(text) - 1), BST_E_LOOKUP_FAILED));
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_PUTS, other, sizeof(text) - 1), BST_E_WRONG_TYPE));
    CHECK(bst_exchange->error.min == BST_OBJ_MACHINE_CONTROL);
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_CHECK_INVARIANTS, empty, 0), BST_E_INVALID_CAP));
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_CHECK_INVARIANTS, other, 0), BST_E_WRONG_TYPE));
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_TICKS, empty, 0), BST_E_INVALID_CAP));
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_CAP_INFO, other, MACHINE), BST_E_WRONG_TYPE));
    /* Shutdown is an invocation: an empty slot is no cap, another type has no such label. */
    CHECK(bst_machine_shutdown(empty, 0x55) == BST_E_INVALID_CAP);
    CHECK(bst_machine_shutdown(other, 0x55) == BST_E_NOT_SUPPORTED);
    CHECK(bst_machine_shutdown(BST_CAP_IOPORT_CONTROL, 0x55) == BST_E_NOT_SUPPORTED);
    /* Still here: the machine runs on, and the real cap still works. */
    CHECK(bst_debug_call(BST_SYS_DEBUG_CHECK_INVARIANTS, MACHINE, 0).error == DEBUG_ONLY_RESULT);
    return 0;
}

/* A read-only copy answers queries but may not print, check or power off. */
CASE(machine_read_only_copy)
{
    CHECK(bst_cnode_copy(ROOT, MACHINE_COPY, DEPTH, ROOT, MACHINE, DEPTH, BST_RIGHT_READ) == BST_OK);
    CHECK(cap_info(MACHINE_COPY).rights == BST_RIGHT_READ);
    CHECK(bst_debug_call(BST_SYS_DEBUG_TICKS, MACHINE_COPY, 0).error == BST_OK);
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_PUTS, MACHINE_COPY, 1), BST_E_RIGHTS));
    CHECK(bst_exchange->error.min == BST_RIGHT_WRITE);
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_CHECK_INVARIANTS, MACHINE_COPY, 0), BST_E_RIGHTS));
    CHECK(bst_machine_shutdown(MACHINE_COPY, 0x55) == BST_E_RIGHTS);
    /* A write-only copy prints but cannot query. */
    CHECK(bst_cnode_delete(ROOT, MACHINE_COPY, DEPTH) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, MACHINE_COPY, DEPTH, ROOT, MACHINE, DEPTH, BST_RIGHT_WRITE) == BST_OK);
    static const char text[] = "authority: printed through a write-only copy\n";
    memcpy(bst_exchange->data, text, sizeof(text) - 1);
    CHECK(bst_debug_call(BST_SYS_DEBUG_PUTS, MACHINE_COPY, sizeof(text) - 1).error == BST_OK);
    CHECK(refused(bst_debug_call(BST_SYS_DEBUG_TICKS, MACHINE_COPY, 0), BST_E_RIGHTS));
    return 0;
}

/* A child process without the cap: every machine-wide action refused, and it ran to its end. */
CASE(machine_child_without_cap)
{
    CHECK(spawn(CHILD_MACHINE, CHILD_TRY_SHUTDOWN, 0, 0) == BST_OK);
    let_child_run();
    volatile struct child_report *r = report();
    CHECK(r->magic == CHILD_MAGIC && r->before == 1 && r->after == 1); /* the shutdown returned */
    for (unsigned i = 0; i < CHILD_M_COUNT; i++)
        CHECK(r->machine[i] == BST_E_INVALID_CAP); /* its slot 13 is empty */
    for (unsigned i = 0; i < CHILD_M_SHUTDOWN; i++)
        CHECK(r->machine_arg[i] == 0);
    return 0;
}

/* With a write-only copy at the conventional slot it prints; the checker and ticks need more. */
CASE(machine_child_with_copy)
{
    const struct bst_spawn_cap caps[] = {{MACHINE, MACHINE, BST_RIGHT_WRITE}};
    CHECK(spawn(CHILD_MACHINE, 0, caps, 1) == BST_OK); /* it could power off: it must not try */
    let_child_run();
    volatile struct child_report *r = report();
    CHECK(r->magic == CHILD_MAGIC && r->after == 1);
    CHECK(r->machine[CHILD_M_PUTS] == BST_OK);
    CHECK(r->machine[CHILD_M_CHECK] == DEBUG_ONLY_RESULT);
    CHECK(r->machine[CHILD_M_TICKS] == BST_E_RIGHTS && r->machine_arg[CHILD_M_TICKS] == 0);
    return 0;
}

/* A read-only copy in the child: it cannot print or power off. */
CASE(machine_child_read_only)
{
    const struct bst_spawn_cap caps[] = {{MACHINE, MACHINE, BST_RIGHT_READ}};
    CHECK(spawn(CHILD_MACHINE, CHILD_TRY_SHUTDOWN, caps, 1) == BST_OK);
    let_child_run();
    volatile struct child_report *r = report();
    CHECK(r->magic == CHILD_MAGIC && r->after == 1);
    CHECK(r->machine[CHILD_M_PUTS] == BST_E_RIGHTS && r->machine[CHILD_M_CHECK] == BST_E_RIGHTS);
    CHECK(r->machine[CHILD_M_TICKS] == BST_OK);
    CHECK(r->machine[CHILD_M_SHUTDOWN] == BST_E_RIGHTS);
    return 0;
}

/* ---- I/O ports */

static uint64_t issue(uint64_t first, uint64_t last, bst_cptr_t slot)
{
    return bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, first, last, ROOT, slot, DEPTH);
}

static const struct {
    uint16_t first, last;     /* asked for */
    uint16_t kernel_first, kernel_last; /* the kernel's range it touches */
    uint64_t argument;
} kernel_ports[] = {
    {0x20, 0x20, 0x20, 0x21, BST_IOPORT_ISSUE_FIRST},   /* PIC */
    {0xa1, 0xa1, 0xa0, 0xa1, BST_IOPORT_ISSUE_FIRST},   /* slave PIC */
    {0x40, 0x43, 0x40, 0x43, BST_IOPORT_ISSUE_FIRST},   /* PIT */
    {0x30, 0x40, 0x40, 0x43, BST_IOPORT_ISSUE_LAST},    /* a range ending on the PIT */
    {0x61, 0x61, 0x61, 0x61, BST_IOPORT_ISSUE_FIRST},   /* PIT gate */
    {0xf4, 0xf4, 0xf4, 0xf7, BST_IOPORT_ISSUE_FIRST},   /* debug exit */
    {0x2f8, 0x2ff, 0x2f8, 0x2ff, BST_IOPORT_ISSUE_FIRST}, /* COM2: the kernel log */
    {0x2f0, 0x2f8, 0x2f8, 0x2ff, BST_IOPORT_ISSUE_LAST},
    {0x604, 0x605, 0x600, 0x63f, BST_IOPORT_ISSUE_FIRST}, /* ACPI PM1a control: power-off */
};

CASE(ioport_kernel_ports_never_issued)
{
    for (unsigned i = 0; i < sizeof(kernel_ports) / sizeof(kernel_ports[0]); i++) {
        CHECK_FAILS(issue(kernel_ports[i].first, kernel_ports[i].last, IOPORT), BST_E_ILLEGAL_OPERATION,
                    kernel_ports[i].argument);
        CHECK(bst_exchange->error.min == kernel_ports[i].kernel_first &&
              bst_exchange->error.max == kernel_ports[i].kernel_last);
        CHECK(cap_info(IOPORT).type == BST_OBJ_NULL);
    }
    /* Next to them is fine; so is COM1, the driver's. */
    CHECK(issue(0x2f0, 0x2f7, IOPORT) == BST_OK);
    CHECK(issue(BST_UART_FIRST_PORT, BST_UART_LAST_PORT, IOPORT_COPY) == BST_OK);
    return 0;
}

/* One address space at a time, through any copy; free again when the first one dies. */
CASE(ioport_one_address_space)
{
    CHECK(issue(BST_UART_FIRST_PORT, BST_UART_LAST_PORT, IOPORT) == BST_OK);
    CHECK(bst_cnode_copy(ROOT, IOPORT_COPY, DEPTH, ROOT, IOPORT, DEPTH, BST_RIGHTS_ALL) == BST_OK);
    CHECK(spawn(CHILD_REPORT, 0, 0, 0) == BST_OK);
    CHECK(bst_ioport_bind(IOPORT, proc.vspace) == BST_OK);
    CHECK(bst_ioport_bind(IOPORT, proc.vspace) == BST_OK); /* the same address space again: fine */
    CHECK_FAILS(bst_ioport_bind(IOPORT, BST_CAP_ROOT_VSPACE), BST_E_ILLEGAL_OPERATION, 0);
    CHECK(bst_exchange->error.min == BST_UART_FIRST_PORT && bst_exchange->error.max == BST_UART_LAST_PORT);
    CHECK_FAILS(bst_ioport_bind(IOPORT_COPY, BST_CAP_ROOT_VSPACE), BST_E_ILLEGAL_OPERATION, 0);
    /* The first address space dies: its binding goes with it. */
    bst_process_destroy(&proc);
    CHECK(bst_ioport_bind(IOPORT_COPY, BST_CAP_ROOT_VSPACE) == BST_OK);
    return 0;
}

/* Deleting the last cap ends the binding: a fresh cap to the same ports binds elsewhere. */
CASE(ioport_rebind_after_delete)
{
    CHECK(issue(BST_UART_FIRST_PORT, BST_UART_LAST_PORT, IOPORT) == BST_OK);
    CHECK(spawn(CHILD_REPORT, 0, 0, 0) == BST_OK);
    CHECK(bst_ioport_bind(IOPORT, proc.vspace) == BST_OK);
    CHECK(issue(BST_UART_FIRST_PORT, BST_UART_LAST_PORT, IOPORT_COPY) == BST_E_REVOKE_FIRST);
    CHECK(bst_cnode_delete(ROOT, IOPORT, DEPTH) == BST_OK);
    CHECK(issue(BST_UART_FIRST_PORT, BST_UART_LAST_PORT, IOPORT_COPY) == BST_OK);
    CHECK(bst_ioport_bind(IOPORT_COPY, BST_CAP_ROOT_VSPACE) == BST_OK);
    CHECK_FAILS(bst_ioport_bind(IOPORT_COPY, proc.vspace), BST_E_ILLEGAL_OPERATION, 0);
    return 0;
}

/* Unbind hands the ports back: another address space may bind them, the first one no longer has them. */
CASE(ioport_unbind_moves_ports)
{
    CHECK(issue(BST_UART_FIRST_PORT, BST_UART_LAST_PORT, IOPORT) == BST_OK);
    CHECK(spawn(CHILD_PORT_READ, BST_UART_FIRST_PORT + 5, 0, 0) == BST_OK);
    CHECK(bst_ioport_bind(IOPORT, proc.vspace) == BST_OK);
    CHECK_FAILS(bst_ioport_unbind(IOPORT, BST_CAP_ROOT_VSPACE), BST_E_ILLEGAL_OPERATION, 0);
    CHECK(bst_exchange->error.min == BST_UART_FIRST_PORT && bst_exchange->error.max == BST_UART_LAST_PORT);
    CHECK_FAILS(bst_ioport_unbind(IOPORT, BST_CAP_ROOT_TCB), BST_E_WRONG_TYPE, 0);
    CHECK(bst_ioport_unbind(IOPORT, proc.vspace) == BST_OK);
    CHECK_FAILS(bst_ioport_unbind(IOPORT, proc.vspace), BST_E_ILLEGAL_OPERATION, 0); /* not twice */
    CHECK(bst_ioport_bind(IOPORT, BST_CAP_ROOT_VSPACE) == BST_OK);
    /* The child no longer has the port: reading it faults between its two markers. */
    let_child_run();
    CHECK(report()->before == 1 && report()->after == 0);
    CHECK(bst_ioport_unbind(IOPORT, BST_CAP_ROOT_VSPACE) == BST_OK);
    return 0;
}

const struct test_case authority_cases[] = {
    {"machine: root task holds MachineControl; it cannot be retyped", machine_boot_cap},
    {"machine: no cap, wrong type: print, checker, shutdown refused", machine_no_cap_refused},
    {"machine: a read-only copy queries only; a write-only one prints", machine_read_only_copy},
    {"machine: a child without the cap cannot print, check or power off", machine_child_without_cap},
    {"machine: a child with a write copy prints", machine_child_with_copy},
    {"machine: a child with a read-only copy cannot power off", machine_child_read_only},
    {"ioport: the kernel's own ports are never issued", ioport_kernel_ports_never_issued},
    {"ioport: ports bound to one address space at a time", ioport_one_address_space},
    {"ioport: deleting the last cap frees the ports for another", ioport_rebind_after_delete},
    {"ioport: unbind hands the ports to another address space", ioport_unbind_moves_ports},
};
const unsigned authority_case_count = sizeof(authority_cases) / sizeof(authority_cases[0]);
