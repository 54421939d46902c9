/*
 * Processes and I/O ports: bst_process_spawn from the boot module
 * "test-child.elf" (tests/child), bad ELF images and bad parameters refused
 * with nothing left behind, per-segment rights, IOPort_Bind and the TSS I/O
 * bitmap: a bound address space can use its ports, any other faults.
 *
 * The child runs at CHILD_PRIORITY, below the root task, so it runs only when
 * the root lets it (let_child_run) and the order of events is fixed. It
 * reports through a frame shared with the root (tests/child/child.h). Every
 * case destroys its process and resets the scratch state, pass or fail.
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/childtest.h"
#include "tests/child/child.h"
#include <bastion/device.h>
#include <bastion/console.h>
#include "user/lib/device.h"
#include "user/lib/ipc.h"
#include "user/lib/process.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include "lib/string.h"

#define S(n) scratch_slot(n)
#define UT_BITS 20             /* 1 MiB: a child needs about 200 KiB */
#define PROC_FIRST (S(63) + 1) /* the process's slots lie above the scratch slots */
#define PROC_SLOTS 200
#define SHARED S(1)            /* the frame shared with the child */
#define IOPORT S(2)
#define SPARE S(3)
#define ROOT_PRIORITY 128
#define CHILD_PRIORITY 100
#define COM1_FIRST BST_UART_FIRST_PORT
#define COM1_LAST BST_UART_LAST_PORT
#define LSR_THR_EMPTY 0x20
#define RW (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define RX (BST_RIGHT_READ | BST_RIGHT_EXECUTE)
#define DEPTH 64

static struct bst_process proc;


static bool share_frame(void) { return child_share_frame(S(0), SHARED); }

static void cleanup(void)
{
    bst_process_destroy(&proc);
    bst_frame_unmap(SHARED);
    scratch_reset(); /* the IOPort caps too: they are in scratch slots */
}

/* Runs the body with a scratch untyped in S(0) and the shared frame, then cleans up, pass or fail. */
static bool setup(void)
{
    memset(&proc, 0, sizeof(proc));
    return scratch_untyped(UT_BITS) && share_frame();
}
#define CASE(name) CASE_WITH(name, setup(), cleanup)

static struct bst_spawn_frame shared_frame; /* SHARED, at CHILD_SHARED_ADDR in the child */

static struct bst_spawn params_for(const void *image, size_t size, uint64_t start_arg)
{
    shared_frame = (struct bst_spawn_frame){SHARED, CHILD_SHARED_ADDR, RW};
    return (struct bst_spawn){
        .image = image, .image_size = size, .untyped = S(0), .asid_pool = BST_CAP_ROOT_ASID_POOL, .cnode = ROOT,
        .first_slot = PROC_FIRST, .slot_count = PROC_SLOTS,
        .vspace = BST_CAP_ROOT_VSPACE, .scratch_vaddr = BST_SPAWN_ROOT_SCRATCH,
        .authority = BST_CAP_ROOT_TCB, .priority = CHILD_PRIORITY, .start_arg = start_arg,
        .frames = &shared_frame, .frame_count = 1,
    };
}

static const struct bst_boot_module *child_module(void) { return bst_boot_module(CHILD_MODULE); }

static struct bst_spawn child_params(enum child_mode mode, uint64_t cookie)
{
    const struct bst_boot_module *m = child_module();
    return params_for(m ? (const void *)m->user_addr : 0, m ? m->size : 0, CHILD_ARG(mode, cookie));
}

static uint64_t spawn_child(enum child_mode mode, uint64_t cookie)
{
    struct bst_spawn p = child_params(mode, cookie);
    return bst_process_spawn(&p, &proc);
}

/* The root drops below the child for a moment: the child runs until it stops or faults. */
static void let_child_run(void)
{
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, CHILD_PRIORITY - 1);
    bst_tcb_set_priority(BST_CAP_ROOT_TCB, BST_CAP_ROOT_TCB, ROOT_PRIORITY);
}

/* Every slot of the process range is empty: a failed spawn left nothing. */
static bool proc_range_empty(void)
{
    for (unsigned i = 0; i < PROC_SLOTS; i++) {
        if (cap_info(PROC_FIRST + i).type != BST_OBJ_NULL)
            return false;
    }
    return proc.used == 0;
}

static const struct bst_process_segment *segment_with(uint64_t rights)
{
    for (unsigned i = 0; i < proc.segment_count; i++) {
        if (proc.segment[i].rights == rights)
            return &proc.segment[i];
    }
    return 0;
}

/* ---- spawning */

CASE(process_module_and_elf)
{
    const struct bst_boot_module *m = child_module();
    CHECK(m != 0);
    struct bst_elf elf;
    CHECK(bst_elf_read((const void *)m->user_addr, m->size, BST_SPAWN_IMAGE_MIN, BST_SPAWN_IMAGE_MAX, &elf) == BST_OK);
    CHECK(elf.count == 3); /* user.ld: text, rodata, data + bss */
    CHECK(elf.segment[0].rights == RX && elf.segment[1].rights == BST_RIGHT_READ && elf.segment[2].rights == RW);
    CHECK(elf.entry >= elf.segment[0].vaddr && elf.entry < elf.segment[0].vaddr + elf.segment[0].mem_size);
    CHECK(elf.segment[2].mem_size > elf.segment[2].file_size); /* bss follows the data */
    CHECK(bst_boot_module("no-such-module.elf") == 0);
    return 0;
}

CASE(process_child_runs_and_reports)
{
    CHECK(spawn_child(CHILD_REPORT, 0x5a) == BST_OK);
    CHECK(report()->magic == 0); /* it has not run yet: it is below us */
    let_child_run();
    volatile struct child_report *r = report();
    CHECK(r->magic == CHILD_MAGIC);
    CHECK(r->start_arg == CHILD_ARG(CHILD_REPORT, 0x5a));
    CHECK(r->bootinfo == 0 && r->exchange == BST_CHILD_EXCHANGE_ADDR);
    CHECK(r->stack < BST_CHILD_STACK_TOP && r->stack >= BST_CHILD_STACK_TOP - BST_CHILD_STACK_PAGES * BST_PAGE_SIZE);
    CHECK(r->data_ok == 1); /* data, rodata and bss were loaded right */
    CHECK(proc.start_flags == BST_START_CHILD);
    return 0;
}

CASE(process_child_cspace)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, SPARE, 1) == BST_OK);
    /* A read-only MachineControl copy: the child needs it for its debug cap probe, nothing more. */
    const struct bst_spawn_cap caps[] = {{SPARE, BST_CAP_CONSOLE, BST_RIGHT_WRITE}, {SPARE, 12, BST_RIGHT_READ},
                                         {BST_CAP_MACHINE_CONTROL, BST_CAP_MACHINE_CONTROL, BST_RIGHT_READ}};
    struct bst_spawn p = child_params(CHILD_REPORT, 1);
    p.caps = caps;
    p.cap_count = 3;
    CHECK(bst_process_spawn(&p, &proc) == BST_OK);
    CHECK(proc.start_flags == (BST_START_CHILD | BST_START_CONSOLE));
    let_child_run();
    /* Its own TCB, CNode and address space in slots 1-3, and the two caps where we asked. */
    uint64_t want = 1u << BST_CHILD_CAP_TCB | 1u << BST_CHILD_CAP_CNODE | 1u << BST_CHILD_CAP_VSPACE |
                    1u << BST_CAP_CONSOLE | 1u << 12 | 1u << BST_CAP_MACHINE_CONTROL;
    CHECK(report()->magic == CHILD_MAGIC && report()->cap_types == want);
    /* The caps the caller holds for it. */
    CHECK(cap_info(proc.tcb).type == BST_OBJ_TCB && cap_info(proc.vspace).type == BST_OBJ_PML4);
    CHECK(cap_info(proc.cspace).type == BST_OBJ_CNODE && cap_info(proc.exchange).type == BST_OBJ_FRAME_4K);
    return 0;
}

CASE(process_segment_rights)
{
    CHECK(spawn_child(CHILD_REPORT, 2) == BST_OK);
    CHECK(proc.segment_count == 3);
    for (unsigned i = 0; i < proc.segment_count; i++)
        CHECK((proc.segment[i].rights & RW) != RW || !(proc.segment[i].rights & BST_RIGHT_EXECUTE));
    const struct bst_process_segment *text = segment_with(RX), *rodata = segment_with(BST_RIGHT_READ),
                                     *data = segment_with(RW);
    CHECK(text && rodata && data);
    CHECK(proc.entry >= text->vaddr && proc.entry < text->vaddr + text->pages * BST_PAGE_SIZE);
    /* Every page is taken, and the page under the stack is free: the guard. */
    CHECK(bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, SPARE, 1) == BST_OK);
    CHECK(bst_frame_map(SPARE, proc.vspace, text->vaddr, BST_RIGHT_READ, 0) == BST_E_DELETE_FIRST);
    CHECK(bst_frame_map(SPARE, proc.vspace, data->vaddr, BST_RIGHT_READ, 0) == BST_E_DELETE_FIRST);
    uint64_t stack_bottom = BST_CHILD_STACK_TOP - BST_CHILD_STACK_PAGES * BST_PAGE_SIZE;
    CHECK(bst_frame_map(SPARE, proc.vspace, stack_bottom, BST_RIGHT_READ, 0) == BST_E_DELETE_FIRST);
    CHECK(bst_frame_map(SPARE, proc.vspace, stack_bottom - BST_PAGE_SIZE, BST_RIGHT_READ, 0) == BST_OK);
    return 0;
}

CASE(process_child_text_not_writable)
{
    CHECK(spawn_child(CHILD_WRITE_TEXT, 3) == BST_OK);
    let_child_run();
    CHECK(report()->magic == CHILD_MAGIC && report()->before == 1);
    CHECK(report()->after == 0); /* the write faulted and the kernel stopped the child */
    uint64_t rip;
    CHECK(bst_tcb_read_registers(proc.tcb, 1, &rip) == BST_OK);
    const struct bst_process_segment *text = segment_with(RX);
    CHECK(text && rip >= text->vaddr && rip < text->vaddr + text->pages * BST_PAGE_SIZE);
    return 0;
}

CASE(process_destroy_and_respawn)
{
    for (unsigned round = 0; round < 3; round++) {
        memset((void *)report(), 0, sizeof(struct child_report));
        CHECK(spawn_child(CHILD_REPORT, 10 + round) == BST_OK);
        let_child_run();
        CHECK(report()->magic == CHILD_MAGIC && report()->start_arg == CHILD_ARG(CHILD_REPORT, 10 + round));
        bst_process_destroy(&proc);
        CHECK(proc_range_empty());
    }
    return 0;
}

/* ---- refusals */

/* The smallest valid image: one R+X page of (never run) code at the usual place. */
#define TINY_VADDR 0x1000000ull
#define TINY_CODE_OFFSET 0x1000u
static struct {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
    struct {
        uint32_t type, flags;
        uint64_t offset, vaddr, paddr, filesz, memsz, align;
    } ph[2];
    uint8_t pad[TINY_CODE_OFFSET + 16 - 64 - 2 * 56];
} tiny;
_Static_assert(sizeof(tiny) == TINY_CODE_OFFSET + 16, "tiny image layout");

static void tiny_reset(void)
{
    memset(&tiny, 0, sizeof(tiny));
    memcpy(tiny.ident, "\177ELF\2\1\1", 7);
    tiny.type = 2;
    tiny.machine = 62;
    tiny.version = 1;
    tiny.entry = TINY_VADDR;
    tiny.phoff = 64;
    tiny.ehsize = 64;
    tiny.phentsize = 56;
    tiny.phnum = 1;
    tiny.ph[0].type = 1;
    tiny.ph[0].flags = 5; /* R + X */
    tiny.ph[0].offset = TINY_CODE_OFFSET;
    tiny.ph[0].vaddr = TINY_VADDR;
    tiny.ph[0].filesz = tiny.ph[0].memsz = 16;
}

/* Spawning the tiny image fails with want, and nothing is left of the attempt. */
static bool refused(size_t size, uint64_t want)
{
    struct bst_spawn p = params_for(&tiny, size, 0);
    return bst_process_spawn(&p, &proc) == want && proc.why != 0 && proc_range_empty();
}

CASE(process_bad_elf_header)
{
    struct bst_elf elf;
    tiny_reset();
    CHECK(bst_elf_read(&tiny, sizeof(tiny), BST_SPAWN_IMAGE_MIN, BST_SPAWN_IMAGE_MAX, &elf) == BST_OK);
    tiny.ident[1] = 'X';
    CHECK(refused(sizeof(tiny), BST_E_INVALID_ARG));
    tiny_reset();
    tiny.ident[4] = 1; /* ELF32 */
    CHECK(refused(sizeof(tiny), BST_E_INVALID_ARG));
    tiny_reset();
    tiny.machine = 3; /* i386 */
    CHECK(refused(sizeof(tiny), BST_E_INVALID_ARG));
    tiny_reset();
    CHECK(refused(40, BST_E_TRUNCATED));        /* shorter than the header */
    tiny.phnum = 100;
    CHECK(refused(sizeof(tiny), BST_E_TRUNCATED)); /* program headers past the end */
    tiny_reset();
    tiny.ph[0].type = 6; /* no PT_LOAD at all */
    CHECK(refused(sizeof(tiny), BST_E_INVALID_ARG));
    return 0;
}

CASE(process_bad_elf_segments)
{
    tiny_reset();
    tiny.ph[0].flags = 7; /* R + W + X */
    CHECK(refused(sizeof(tiny), BST_E_INVALID_ARG) && strstr_bounded(proc.why, "W^X"));
    tiny_reset();
    tiny.ph[0].filesz = tiny.ph[0].memsz = 4096; /* bytes past the end of the file */
    CHECK(refused(sizeof(tiny), BST_E_TRUNCATED));
    tiny_reset();
    tiny.ph[0].vaddr = tiny.entry = BST_CHILD_EXCHANGE_ADDR; /* over the child's fixed pages */
    CHECK(refused(sizeof(tiny), BST_E_RANGE));
    tiny_reset();
    tiny.ph[0].vaddr = ~0ull - 8; /* wraps around */
    CHECK(refused(sizeof(tiny), BST_E_RANGE));
    tiny_reset();
    tiny.entry = TINY_VADDR + 16; /* just past the code */
    CHECK(refused(sizeof(tiny), BST_E_INVALID_ARG));
    tiny_reset();
    tiny.phnum = 2;
    tiny.ph[1] = tiny.ph[0];
    tiny.ph[1].flags = 6; /* R + W on the code's page */
    tiny.ph[1].vaddr = TINY_VADDR + 8;
    tiny.ph[1].offset = tiny.ph[0].offset + 8; /* congruent with its address, as ELF requires */
    tiny.ph[1].filesz = tiny.ph[1].memsz = 8;
    CHECK(refused(sizeof(tiny), BST_E_INVALID_ARG) && strstr_bounded(proc.why, "share a page"));
    return 0;
}

CASE(process_bad_parameters_leave_nothing)
{
    struct bst_spawn p = child_params(CHILD_REPORT, 4);
    p.slot_count = 5; /* runs out half-way */
    CHECK(bst_process_spawn(&p, &proc) == BST_E_RANGE && proc_range_empty());
    p = child_params(CHILD_REPORT, 4);
    p.priority = ROOT_PRIORITY + 1; /* above our maximum controlled priority: fails at the very end */
    CHECK(bst_process_spawn(&p, &proc) == BST_E_RANGE && proc_range_empty());
    CHECK(proc.detail.code == BST_E_RANGE && proc.detail.max == ROOT_PRIORITY);
    p = child_params(CHILD_REPORT, 4);
    p.scratch_vaddr = BST_SPAWN_ROOT_SCRATCH + 8;
    CHECK(bst_process_spawn(&p, &proc) == BST_E_INVALID_ARG && proc_range_empty());
    const struct bst_spawn_cap bad_slot = {BST_CAP_ROOT_TCB, BST_CHILD_CAP_CNODE, BST_RIGHTS_ALL};
    p = child_params(CHILD_REPORT, 4);
    p.caps = &bad_slot;
    p.cap_count = 1;
    CHECK(bst_process_spawn(&p, &proc) == BST_E_RANGE && proc_range_empty());
    /* The same parameters, corrected, work: the failures took nothing for good. */
    p.cap_count = 0;
    CHECK(bst_process_spawn(&p, &proc) == BST_OK);
    let_child_run();
    CHECK(report()->magic == CHILD_MAGIC);
    return 0;
}

CASE(process_small_untyped_no_memory)
{
    struct bst_spawn p = child_params(CHILD_REPORT, 5);
    CHECK(bst_untyped_retype(S(0), BST_OBJ_UNTYPED, 16, ROOT, 0, 0, SPARE, 1) == BST_OK);
    p.untyped = SPARE; /* 64 KiB: the image and stack do not fit */
    CHECK(bst_process_spawn(&p, &proc) == BST_E_NO_MEMORY && proc_range_empty());
    CHECK(proc.detail.code == BST_E_NO_MEMORY);
    CHECK(report()->magic == 0);
    return 0;
}

/* ---- I/O ports */

static uint64_t issue(uint64_t first, uint64_t last, bst_cptr_t slot)
{
    return bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, first, last, ROOT, slot, DEPTH);
}

static uint64_t bind(bst_cptr_t ioport, bst_cptr_t vspace)
{
    uint64_t w[1] = {vspace};
    return bst_invoke(ioport, BST_IOPORT_BIND, 1, w, 0);
}

static uint8_t port_in(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

CASE(ioport_bind_errors)
{
    CHECK(issue(COM1_FIRST, COM1_LAST, IOPORT) == BST_OK);
    CHECK(bind(IOPORT, BST_CAP_ROOT_TCB) == BST_E_WRONG_TYPE && last_error_argument() == 0);
    CHECK(bind(IOPORT, SPARE) == BST_E_INVALID_CAP);
    CHECK(bst_invoke(IOPORT, BST_IOPORT_BIND, 0, 0, 0) == BST_E_TRUNCATED);
    /* Bind is an IOPort invocation: the control cap and other objects do not know it. */
    CHECK(bst_invoke(BST_CAP_IOPORT_CONTROL, BST_IOPORT_BIND, 1, (uint64_t[]){BST_CAP_ROOT_VSPACE}, 0) ==
          BST_E_NOT_SUPPORTED);
    CHECK(bst_invoke(BST_CAP_ROOT_TCB, BST_IOPORT_BIND, 1, (uint64_t[]){BST_CAP_ROOT_VSPACE}, 0) ==
          BST_E_NOT_SUPPORTED);
    return 0;
}

CASE(ioport_bind_table_full)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_PML4, 0, ROOT, 0, 0, SPARE, 1) == BST_OK);
    CHECK(bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, SPARE, 0) == BST_OK);
    for (unsigned i = 0; i < 5; i++)
        CHECK(issue(0x500 + 0x10 * i, 0x507 + 0x10 * i, S(10 + i)) == BST_OK);
    for (unsigned i = 0; i < 4; i++)
        CHECK(bind(S(10 + i), SPARE) == BST_OK);
    CHECK(bind(S(10), SPARE) == BST_OK); /* again: no second entry */
    CHECK(bind(S(14), SPARE) == BST_E_NO_MEMORY);
    CHECK(bst_exchange->error.argument == 0 && bst_exchange->error.max == 4);
    /* A range that leaves (its last cap deleted) frees its entry. */
    CHECK(bst_cnode_delete(ROOT, S(11), DEPTH) == BST_OK);
    CHECK(bind(S(14), SPARE) == BST_OK);
    return 0;
}

CASE(ioport_bound_root_reads_port)
{
    CHECK(issue(COM1_FIRST, COM1_LAST, IOPORT) == BST_OK);
    CHECK(bind(IOPORT, BST_CAP_ROOT_VSPACE) == BST_OK);
    /* In effect as soon as the call returns; QEMU's transmitter is always ready. */
    CHECK(port_in(CHILD_PORT) & LSR_THR_EMPTY);
    CHECK(bst_cnode_delete(ROOT, IOPORT, DEPTH) == BST_OK); /* the grant goes with the last cap */
    return 0;
}

CASE(ioport_bound_child_reads_port)
{
    CHECK(spawn_child(CHILD_PORT_READ, CHILD_PORT) == BST_OK);
    CHECK(issue(COM1_FIRST, COM1_LAST, IOPORT) == BST_OK);
    CHECK(bind(IOPORT, proc.vspace) == BST_OK);
    let_child_run();
    CHECK(report()->before == 1 && report()->after == 1);
    CHECK(report()->port_value & LSR_THR_EMPTY);
    return 0;
}

CASE(ioport_child_without_grant_faults)
{
    /* The root holds and binds the range for itself: another address space still has no access. */
    CHECK(issue(COM1_FIRST, COM1_LAST, IOPORT) == BST_OK);
    CHECK(bind(IOPORT, BST_CAP_ROOT_VSPACE) == BST_OK);
    CHECK(spawn_child(CHILD_PORT_READ, CHILD_PORT) == BST_OK);
    let_child_run();
    CHECK(report()->magic == CHILD_MAGIC && report()->before == 1);
    CHECK(report()->after == 0 && report()->port_value == 0); /* stopped at the port access */
    CHECK(port_in(CHILD_PORT) & LSR_THR_EMPTY); /* and our own grant is back after the switch */
    return 0;
}

CASE(ioport_grant_ends_with_cap)
{
    CHECK(spawn_child(CHILD_PORT_READ, CHILD_PORT) == BST_OK);
    CHECK(issue(COM1_FIRST, COM1_LAST, IOPORT) == BST_OK);
    CHECK(bind(IOPORT, proc.vspace) == BST_OK);
    CHECK(bst_cnode_delete(ROOT, IOPORT, DEPTH) == BST_OK);
    let_child_run();
    CHECK(report()->before == 1 && report()->after == 0);
    /* The range is free to issue again, to a new owner. */
    CHECK(issue(COM1_FIRST, COM1_LAST, IOPORT) == BST_OK);
    return 0;
}

#define VECTOR_GP 13

/* A fault handler that grants the port and resumes the thread: it re-runs the access, which now works. */
CASE(ioport_fault_message_then_grant)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, SPARE, 1) == BST_OK);
    struct bst_spawn p = child_params(CHILD_PORT_READ, CHILD_PORT);
    p.fault_endpoint = SPARE;
    CHECK(bst_process_spawn(&p, &proc) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(SPARE, &m) == BST_OK); /* the child runs while we wait, and faults */
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PROTECTION && m.words[BST_FAULT_WORD_VECTOR] == VECTOR_GP);
    const struct bst_process_segment *text = segment_with(RX);
    uint64_t ip = m.words[BST_FAULT_WORD_IP];
    CHECK(text && ip >= text->vaddr && ip < text->vaddr + text->pages * BST_PAGE_SIZE);
    CHECK(report()->before == 1 && report()->after == 0);
    CHECK(issue(COM1_FIRST, COM1_LAST, IOPORT) == BST_OK);
    CHECK(bind(IOPORT, proc.vspace) == BST_OK);
    const uint64_t none[BST_MSG_REGISTER_WORDS] = {0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_RESUME, 0, 0), none) == BST_OK);
    let_child_run();
    CHECK(report()->after == 1 && (report()->port_value & LSR_THR_EMPTY));
    return 0;
}

/* The bitmap's edges: ranges on and off byte boundaries, the ports just inside and just outside. */
static const struct {
    uint16_t first, last, port;
    bool allowed;
} port_edges[] = {
    {0x3f9, 0x3fb, 0x3f9, true},  {0x3f9, 0x3fb, 0x3fb, true},  {0x3f9, 0x3fb, 0x3f8, false},
    {0x3f9, 0x3fb, 0x3fc, false}, {0x500, 0x5ff, 0x580, true},  {0x500, 0x5ff, 0x5ff, true},
    {0x500, 0x5ff, 0x600, false}, {0x500, 0x5ff, 0x4ff, false},
};

static const char *port_edge(unsigned i)
{
    memset((void *)report(), 0, sizeof(struct child_report));
    CHECK(spawn_child(CHILD_PORT_READ, port_edges[i].port) == BST_OK);
    CHECK(issue(port_edges[i].first, port_edges[i].last, IOPORT) == BST_OK);
    CHECK(bind(IOPORT, proc.vspace) == BST_OK);
    let_child_run();
    CHECK(report()->before == 1 && report()->after == port_edges[i].allowed);
    bst_process_destroy(&proc);
    CHECK(bst_cnode_delete(ROOT, IOPORT, DEPTH) == BST_OK);
    return 0;
}

CASE(ioport_range_edges)
{
    for (unsigned i = 0; i < sizeof(port_edges) / sizeof(port_edges[0]); i++) {
        const char *why = port_edge(i);
        if (why)
            return why;
    }
    return 0;
}

const struct test_case process_cases[] = {
    {"process: boot module found, ELF segments read", process_module_and_elf},
    {"process: spawned child runs and reports (start convention)", process_child_runs_and_reports},
    {"process: child's CSpace holds its own and the listed caps", process_child_cspace},
    {"process: per-segment rights, stack guard page", process_segment_rights},
    {"process: child writing its text faults, root carries on", process_child_text_not_writable},
    {"process: destroy and respawn three times", process_destroy_and_respawn},
    {"process: bad ELF headers refused, nothing made", process_bad_elf_header},
    {"process: bad ELF segments (W^X, range, overlap) refused", process_bad_elf_segments},
    {"process: bad parameters fail late or early, leave nothing", process_bad_parameters_leave_nothing},
    {"process: untyped too small: no memory, nothing left", process_small_untyped_no_memory},
    {"ioport: bind errors (type, cap, arguments, object)", ioport_bind_errors},
    {"ioport: bind table full; a deleted range frees its entry", ioport_bind_table_full},
    {"ioport: bound root task reads COM1's LSR", ioport_bound_root_reads_port},
    {"ioport: bound child reads COM1's LSR", ioport_bound_child_reads_port},
    {"ioport: child without a grant faults at the port", ioport_child_without_grant_faults},
    {"ioport: grant ends with the last cap", ioport_grant_ends_with_cap},
    {"ioport: fault message to the handler, which grants and resumes", ioport_fault_message_then_grant},
    {"ioport: exactly the bound range, edges on and off byte boundaries", ioport_range_edges},
};
const unsigned process_case_count = sizeof(process_cases) / sizeof(process_cases[0]);
