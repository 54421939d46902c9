/*
 * Kernel entry and saved user state (issue 9, holes 2 and 12).
 *
 * Flags on entry: a thread may run with DF (std) and AC set; every kind of
 * kernel entry (system call, timer interrupt, device interrupt, exception)
 * must run the kernel's C code with both clear, and give the thread its flags
 * back when it resumes. The damage a kernel running with DF does is made
 * visible through the TSS I/O bitmap: its update on an address-space switch
 * uses memset, which runs backwards under DF, leaving ports open that nobody
 * was granted and granted ones closed. A probe thread then reads one port
 * that must work and one that must fault.
 *
 * Saved user state: TCB_WriteRegisters refuses instruction and stack
 * pointers outside the user range and sanitises rflags; a fault at a
 * non-canonical rip leaves a canonical rip behind (0, as seL4 does), so
 * resuming it faults again at a user address instead of leaving the kernel
 * through iretq/sysret with a non-canonical rip.
 *
 * Helper threads run at LOW, below the root task, so they run only while the
 * root is blocked or lets them (tthread_let_run_above).
 */
#include "tests/target/cases.h"
#include "tests/target/captest.h"
#include "tests/target/tthread.h"
#include "user/lib/device.h"
#include "user/lib/ipc.h"
#include "user/lib/notify.h"
#include "user/lib/tcb.h"
#include "user/lib/vspace.h"
#include <bastion/console.h>
#include <bastion/syscall.h>
#include <bastion/tcb.h>
#include "lib/string.h"

#define S(n) scratch_slot(n)
#define UT_BITS 20
#define EP S(1)
#define ROOT_PORTS S(2)   /* an I/O port range bound to the root's address space */
#define OTHER_VSPACE S(3) /* an empty address space with its own port range */
#define OTHER_PORTS S(4)
#define OTHER_FRAME S(5)  /* exchange frame of the thread in OTHER_VSPACE */
#define OTHER_TCB S(6)
#define FAULT_FRAME S(7)
#define IRQ_HANDLER S(8)   /* device interrupt entry: COM1's IRQ */
#define IRQ_SIGNALS S(9)   /* its notification, bound to the root */
#define CODE_FRAME S(10)   /* code and stack of the thread in OTHER_VSPACE */
#define STACK_FRAME S(11)
#define OTHER_PDPT S(12)
#define OTHER_PD S(13)
#define OTHER_PT S(14)
#define UART_PORTS S(15)   /* COM1's ports again, for the root to quiet the UART */
#define LOW 100
#define ROOT_PRIORITY 128
#define DEPTH 64

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_IOPL3 (3ull << 12)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_VM (1ull << 17)
#define RFLAGS_AC (1ull << 18)
#define RFLAGS_VIF (1ull << 19)
#define RFLAGS_VIP (1ull << 20)
#define RFLAGS_ID (1ull << 21)
#define RFLAGS_RESERVED1 (1ull << 1)
#define DF_AC "0x40400" /* RFLAGS_DF | RFLAGS_AC, for the asm below */

/*
 * The root's range spans two bitmap words (128 ports, 16 bytes), so a memset
 * run backwards from its start covers the word below it (ports 0x4c0-0x4ff)
 * and misses its second half (0x540-0x57f). Likewise for the other range.
 */
#define ROOT_FIRST 0x500u
#define ROOT_LAST 0x57fu
#define OTHER_FIRST 0x680u
#define OTHER_LAST 0x6ffu
#define GRANTED_PORT 0x540u     /* in the root's range, second word */
#define BELOW_ROOT_PORT 0x4c0u  /* the word below the root's range: never granted */
#define BELOW_OTHER_PORT 0x640u /* the word below the other range: never granted */

#define OTHER_RIP 0x400000ull /* nothing is mapped in the other address space */
#define OTHER_EXCHANGE 0x200000ull
#define FAULT_VADDR 0x304000ull /* unmapped, in the page table of the root's bootinfo */
#define NONCANONICAL 0x0000800000000000ull
#define VECTOR_GP 13

static volatile uint64_t stop_flag, spin_count, flags_lost, seen_flags, progress, stored;
static bool uart_armed; /* the UART may be raising IRQ 4: quiet it before anything else uses COM1 */

static bool quiet_uart(void);





static bool setup(void)
{
    stop_flag = spin_count = flags_lost = seen_flags = progress = stored = 0;
    return scratch_untyped(UT_BITS) && bst_untyped_retype(S(0), BST_OBJ_ENDPOINT, 0, ROOT, 0, 0, EP, 1) == BST_OK;
}

static void cleanup(void)
{
    tthread_stop_all();
    bst_tcb_suspend(OTHER_TCB);
    quiet_uart();
    bst_tcb_unbind_notification(BST_CAP_ROOT_TCB);
    bst_frame_unmap(FAULT_FRAME);
    bst_frame_unmap(CODE_FRAME);
    scratch_reset(); /* the IOPort caps too: their grants go with them */
}

#define CASE(name) CASE_WITH(name, setup(), cleanup)

static uint64_t read_flags(bst_cptr_t tcb)
{
    uint64_t regs[BST_REG_RFLAGS + 1] = {0};
    return bst_tcb_read_registers(tcb, BST_REG_RFLAGS + 1, regs) == BST_OK ? regs[BST_REG_RFLAGS] : ~0ull;
}

/* ---- the I/O bitmap as a witness */

static uint8_t port_in(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void port_out(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }

/*
 * The root's address space holds ROOT_FIRST..ROOT_LAST; an empty address
 * space holds the ports first..last and a thread (not yet running) that
 * faults to EP.
 */
static bool two_address_spaces(uint16_t first, uint16_t last)
{
    return bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, ROOT_FIRST, ROOT_LAST, ROOT, ROOT_PORTS, DEPTH) ==
               BST_OK &&
           bst_ioport_bind(ROOT_PORTS, BST_CAP_ROOT_VSPACE) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_PML4, 0, ROOT, 0, 0, OTHER_VSPACE, 1) == BST_OK &&
           bst_asid_pool_assign(BST_CAP_ROOT_ASID_POOL, OTHER_VSPACE, 0) == BST_OK &&
           bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, first, last, ROOT, OTHER_PORTS, DEPTH) == BST_OK &&
           bst_ioport_bind(OTHER_PORTS, OTHER_VSPACE) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, OTHER_FRAME, 1) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_TCB, 0, ROOT, 0, 0, OTHER_TCB, 1) == BST_OK &&
           bst_tcb_configure(OTHER_TCB, ROOT, OTHER_VSPACE, OTHER_FRAME, OTHER_EXCHANGE, EP) == BST_OK &&
           bst_tcb_set_priority(OTHER_TCB, BST_CAP_ROOT_TCB, LOW) == BST_OK;
}

/* As above with OTHER_FIRST..OTHER_LAST; the thread's first instruction fetch faults (nothing is mapped). */
static bool two_address_spaces_with_ports(uint64_t other_rflags, bool resume)
{
    if (!two_address_spaces(OTHER_FIRST, OTHER_LAST))
        return false;
    uint64_t regs[BST_REG_RFLAGS + 1] = {OTHER_RIP, 0x500000, other_rflags};
    return bst_tcb_write_registers(OTHER_TCB, resume, BST_REG_RFLAGS + 1, regs) == BST_OK;
}

/* The other thread's fault arrived: its first instruction fetch, nothing else. */
static bool other_thread_faulted(const struct bst_msg *m)
{
    return bst_msginfo_label(m->info) == BST_FAULT_PAGE && m->words[BST_FAULT_WORD_IP] == OTHER_RIP &&
           m->words[BST_FAULT_WORD_ADDRESS] == OTHER_RIP;
}

/*
 * Reads a granted port, then one nobody was granted (which must fault). Should
 * that read work, the thread faults anyway (ud2), so that the root hears of
 * it instead of waiting for good.
 */
static void probe_ports(uint64_t forbidden)
{
    port_in(GRANTED_PORT);
    progress = 1;
    port_in((uint16_t)forbidden);
    progress = 2;
    __builtin_trap();
}

/* The bitmap is as the grants say: the root's address space reads its port, the forbidden one faults. */
static const char *bitmap_intact(uint16_t forbidden)
{
    if (tthread_start_scratch(3, probe_ports, forbidden, LOW, EP) != BST_OK)
        return "probe thread did not start";
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK);
    CHECK(progress == 1); /* the granted port worked, the other did not */
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PROTECTION && m.words[BST_FAULT_WORD_VECTOR] == VECTOR_GP);
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    return 0;
}

/* ---- flags on entry */

/*
 * Exception entry: the thread in the other address space runs with DF set
 * (TCB_WriteRegisters lets a thread have DF) and faults at once; the kernel
 * sends the fault to the root and switches back to the root's address space,
 * reloading the I/O bitmap on the way.
 */
CASE(exception_entry_runs_kernel_with_df_clear)
{
    CHECK(two_address_spaces_with_ports(RFLAGS_IF | RFLAGS_DF, true));
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK); /* the other thread runs while we wait */
    CHECK(other_thread_faulted(&m));
    CHECK(read_flags(OTHER_TCB) == (RFLAGS_IF | RFLAGS_DF | RFLAGS_RESERVED1)); /* its DF is kept */
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    return bitmap_intact(BELOW_ROOT_PORT);
}

/*
 * Timer entry: a thread spins with DF and AC set until the timer ends its
 * timeslice and the kernel switches to the thread in the other address space
 * (which faults to the root). The spinning thread checks its flags on every
 * turn: the kernel gives them back each time it resumes it.
 */
static void spin_with_df_ac(uint64_t i)
{
    bst_tcb_resume(OTHER_TCB); /* runs after us, when our timeslice ends */
    __asm__ volatile("leaq -128(%%rsp), %%rsp\n\t" /* keep out of the red zone */
                     "pushfq\n\t"
                     "orq $" DF_AC ", (%%rsp)\n\t"
                     "popfq\n"
                     "1:\n\t"
                     "pushfq\n\t"
                     "popq %%rax\n\t"
                     "andq $" DF_AC ", %%rax\n\t"
                     "cmpq $" DF_AC ", %%rax\n\t"
                     "je 2f\n\t"
                     "incq %[lost]\n"
                     "2:\n\t"
                     "incq %[count]\n\t"
                     "cmpq $0, %[stop]\n\t"
                     "je 1b\n\t"
                     "pushfq\n\t"
                     "andq $~" DF_AC ", (%%rsp)\n\t"
                     "popfq\n\t"
                     "leaq 128(%%rsp), %%rsp"
                     : [lost] "+m"(flags_lost), [count] "+m"(spin_count)
                     : [stop] "m"(stop_flag)
                     : "rax", "memory", "cc");
    tthread_park((unsigned)i);
}

CASE(timer_entry_runs_kernel_with_df_ac_clear)
{
    CHECK(two_address_spaces_with_ports(RFLAGS_IF, false));
    CHECK(tthread_start_scratch(0, spin_with_df_ac, 0, LOW, 0) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK); /* the spinner runs, then the timer switches */
    CHECK(other_thread_faulted(&m));
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    CHECK((read_flags(tthread_tcb_slot(0)) & (RFLAGS_DF | RFLAGS_AC)) == (RFLAGS_DF | RFLAGS_AC));
    stop_flag = 1;
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY); /* the spinner stops and parks */
    CHECK(spin_count > 0 && flags_lost == 0);
    return bitmap_intact(BELOW_OTHER_PORT);
}

/*
 * Device interrupt entry: the same stub as the timer's, but the kernel's work
 * is a Signal (kernel_device_irq). The thread in the other address space
 * holds COM1's ports (the kernel log is on COM2) and runs code copied into a
 * frame mapped there: it sets DF and AC, turns on the UART's "transmitter
 * holding register empty" interrupt (the register is empty, so the UART
 * raises IRQ 4 at once; OUT2 gates it onto the ISA line) and spins. The
 * interrupt arrives while it runs in user mode; the kernel signals the
 * notification bound to the root, which outranks the spinner, and switches
 * back to the root's address space, reloading the I/O bitmap on the way. If
 * no interrupt comes, the spinner gives up after a while and jumps to 0,
 * which faults to the root instead. The code is position-independent.
 */
#define COM1_IER 0x3f9 /* interrupt enable */
#define COM1_IIR 0x3fa /* interrupt identification (read) */
#define COM1_MCR 0x3fc /* modem control */
#define IER_THR_EMPTY 0x02
#define MCR_OUT2 0x08
_Static_assert(COM1_IER == BST_UART_FIRST_PORT + 1 && COM1_MCR == BST_UART_FIRST_PORT + 4, "COM1's registers");
#define OTHER_STACK (OTHER_RIP + BST_PAGE_SIZE)
#define PT_SPAN (1ull << 21)

extern const char entry_irq_code[], entry_irq_armed[], entry_irq_gave_up[], entry_irq_code_end[];
__asm__(".pushsection .rodata\n"
        "entry_irq_code:\n\t"
        "pushfq\n\t"
        "orq $" DF_AC ", (%rsp)\n\t"
        "popfq\n\t"
        "movl $0x3fc, %edx\n\t" /* COM1_MCR */
        "inb %dx, %al\n\t"
        "orb $0x08, %al\n\t" /* MCR_OUT2 */
        "outb %al, %dx\n\t"
        "movl $0x3f9, %edx\n\t" /* COM1_IER */
        "movb $0x02, %al\n\t" /* IER_THR_EMPTY */
        "outb %al, %dx\n"
        "entry_irq_armed:\n\t"
        "movl $0x10000000, %ecx\n"
        "1:\n\t"
        "decl %ecx\n\t"
        "jnz 1b\n"
        "entry_irq_gave_up:\n\t"
        "xorl %eax, %eax\n\t"
        "jmpq *%rax\n"
        "entry_irq_code_end:\n\t"
        ".popsection");

static uint64_t code_offset(const char *label) { return (uint64_t)(label - entry_irq_code); }

/* Maps frame at vaddr of OTHER_VSPACE, whose paging structures map_other_code made. */
static bool map_other(bst_cptr_t frame, uint64_t vaddr, uint64_t rights)
{
    return bst_frame_map(frame, OTHER_VSPACE, vaddr, rights, BST_CACHE_WRITE_BACK) == BST_OK;
}

/* The spinner's code at OTHER_RIP (written through a mapping in the root first) and its stack above it. */
static bool map_other_code(void)
{
    size_t size = (size_t)(entry_irq_code_end - entry_irq_code);
    if (bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, CODE_FRAME, 1) ||
        bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, STACK_FRAME, 1) ||
        bst_frame_map(CODE_FRAME, BST_CAP_ROOT_VSPACE, FAULT_VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE,
                      BST_CACHE_WRITE_BACK))
        return false;
    memcpy((void *)FAULT_VADDR, entry_irq_code, size);
    return bst_frame_unmap(CODE_FRAME) == BST_OK && /* W^X: no writable mapping is left */
           bst_untyped_retype(S(0), BST_OBJ_PDPT, 0, ROOT, 0, 0, OTHER_PDPT, 1) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_PAGE_DIRECTORY, 0, ROOT, 0, 0, OTHER_PD, 1) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_PAGE_TABLE, 0, ROOT, 0, 0, OTHER_PT, 1) == BST_OK &&
           bst_page_table_map(OTHER_PDPT, OTHER_VSPACE, 0) == BST_OK &&
           bst_page_table_map(OTHER_PD, OTHER_VSPACE, 0) == BST_OK &&
           bst_page_table_map(OTHER_PT, OTHER_VSPACE, OTHER_RIP & ~(PT_SPAN - 1)) == BST_OK &&
           map_other(CODE_FRAME, OTHER_RIP, BST_RIGHT_READ | BST_RIGHT_EXECUTE) &&
           map_other(STACK_FRAME, OTHER_STACK, BST_RIGHT_READ | BST_RIGHT_WRITE);
}

/* IRQ 4 signals a notification bound to the root (a Recv on EP wakes on it); the line is unmasked. */
static bool irq_to_root(void)
{
    return bst_irq_control_get(BST_CAP_IRQ_CONTROL, BST_UART_IRQ, ROOT, IRQ_HANDLER, DEPTH) == BST_OK &&
           bst_untyped_retype(S(0), BST_OBJ_NOTIFICATION, 0, ROOT, 0, 0, IRQ_SIGNALS, 1) == BST_OK &&
           bst_irq_handler_set_notification(IRQ_HANDLER, IRQ_SIGNALS) == BST_OK &&
           bst_tcb_bind_notification(BST_CAP_ROOT_TCB, IRQ_SIGNALS) == BST_OK &&
           bst_irq_handler_ack(IRQ_HANDLER) == BST_OK;
}

/*
 * Turns the UART's interrupt off again, so that no later case meets it: the
 * spinner's grant goes (its range's only cap), the root takes COM1's ports
 * for a moment, acknowledges the pending interrupt (reading IIR), disables
 * it and drops OUT2. The IRQ handler is cleared too (the line stays masked).
 */
static bool quiet_uart(void)
{
    if (!uart_armed)
        return true;
    uart_armed = false;
    bst_tcb_suspend(OTHER_TCB);
    bool ok = bst_cnode_delete(ROOT, OTHER_PORTS, DEPTH) == BST_OK &&
              bst_ioport_control_issue(BST_CAP_IOPORT_CONTROL, BST_UART_FIRST_PORT, BST_UART_LAST_PORT, ROOT,
                                       UART_PORTS, DEPTH) == BST_OK &&
              bst_ioport_bind(UART_PORTS, BST_CAP_ROOT_VSPACE) == BST_OK;
    if (ok) {
        port_in(COM1_IIR);
        port_out(COM1_IER, 0);
        port_out(COM1_MCR, port_in(COM1_MCR) & ~MCR_OUT2);
    }
    ok = bst_cnode_delete(ROOT, UART_PORTS, DEPTH) == BST_OK && ok;
    return bst_irq_handler_clear(IRQ_HANDLER) == BST_OK && ok;
}

CASE(device_irq_entry_runs_kernel_with_df_ac_clear)
{
    CHECK(two_address_spaces(BST_UART_FIRST_PORT, BST_UART_LAST_PORT));
    CHECK(map_other_code());
    uint64_t regs[BST_REG_RFLAGS + 1] = {OTHER_RIP, OTHER_STACK + BST_PAGE_SIZE, RFLAGS_IF};
    CHECK(bst_tcb_write_registers(OTHER_TCB, false, BST_REG_RFLAGS + 1, regs) == BST_OK);
    CHECK(irq_to_root());
    uart_armed = true;
    CHECK(bst_tcb_resume(OTHER_TCB) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK); /* the spinner runs while we wait */
    CHECK((m.info & BST_MSGINFO_NOTIFICATION) && m.badge == 1ull << BST_UART_IRQ); /* not its give-up fault */
    /* The interrupt came while it spun in user mode with DF and AC set; they are still its own. */
    CHECK(bst_tcb_suspend(OTHER_TCB) == BST_OK);
    CHECK(bst_tcb_read_registers(OTHER_TCB, BST_REG_RFLAGS + 1, regs) == BST_OK);
    CHECK(regs[BST_REG_RIP] >= OTHER_RIP + code_offset(entry_irq_armed) &&
          regs[BST_REG_RIP] < OTHER_RIP + code_offset(entry_irq_gave_up));
    CHECK((regs[BST_REG_RFLAGS] & (RFLAGS_DF | RFLAGS_AC)) == (RFLAGS_DF | RFLAGS_AC));
    CHECK(bst_tcb_unbind_notification(BST_CAP_ROOT_TCB) == BST_OK);
    const char *why = bitmap_intact(BELOW_ROOT_PORT);
    if (why)
        return why;
    CHECK(quiet_uart());
    return 0;
}

/* System call entry: the flags survive the call, and a call that copies words still copies them in order. */
static void syscall_with_df_ac(uint64_t i)
{
    uint64_t flags;
    register uint64_t rax __asm__("rax") = BST_SYS_YIELD;
    __asm__ volatile("leaq -128(%%rsp), %%rsp\n\t"
                     "pushfq\n\t"
                     "orq $" DF_AC ", (%%rsp)\n\t"
                     "popfq\n\t"
                     "syscall\n\t"
                     "pushfq\n\t"
                     "popq %[flags]\n\t"
                     "pushfq\n\t"
                     "andq $~" DF_AC ", (%%rsp)\n\t"
                     "popfq\n\t"
                     "leaq 128(%%rsp), %%rsp"
                     : "+r"(rax), [flags] "=r"(flags)
                     :
                     : "rcx", "r11", "memory", "cc");
    seen_flags = flags;
    progress = 1;
    tthread_park((unsigned)i);
}

CASE(syscall_entry_keeps_user_df_ac)
{
    CHECK(tthread_start_scratch(0, syscall_with_df_ac, 0, LOW, 0) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(progress == 1);
    CHECK((seen_flags & (RFLAGS_DF | RFLAGS_AC)) == (RFLAGS_DF | RFLAGS_AC));
    return 0;
}

/* A fault handled and resumed: the thread's DF and AC are as it left them. */
static void fault_with_df_ac(uint64_t i)
{
    uint64_t flags;
    __asm__ volatile("leaq -128(%%rsp), %%rsp\n\t"
                     "pushfq\n\t"
                     "orq $" DF_AC ", (%%rsp)\n\t"
                     "popfq\n\t"
                     "movq $0x5eed, (%[addr])\n\t" /* faults; the handler maps the page */
                     "pushfq\n\t"
                     "popq %[flags]\n\t"
                     "pushfq\n\t"
                     "andq $~" DF_AC ", (%%rsp)\n\t"
                     "popfq\n\t"
                     "leaq 128(%%rsp), %%rsp"
                     : [flags] "=r"(flags)
                     : [addr] "r"(FAULT_VADDR)
                     : "memory", "cc");
    seen_flags = flags;
    stored = *(volatile uint64_t *)FAULT_VADDR;
    tthread_park((unsigned)i);
}

CASE(exception_entry_keeps_user_df_ac)
{
    CHECK(tthread_start_scratch(0, fault_with_df_ac, 0, LOW, EP) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK);
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PAGE && m.words[BST_FAULT_WORD_ADDRESS] == FAULT_VADDR);
    CHECK((read_flags(tthread_tcb_slot(0)) & (RFLAGS_DF | RFLAGS_AC)) == (RFLAGS_DF | RFLAGS_AC));
    CHECK(bst_untyped_retype(S(0), BST_OBJ_FRAME_4K, 0, ROOT, 0, 0, FAULT_FRAME, 1) == BST_OK);
    CHECK(bst_frame_map(FAULT_FRAME, BST_CAP_ROOT_VSPACE, FAULT_VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE,
                        BST_CACHE_WRITE_BACK) == BST_OK);
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_RESUME, 0, 0), w) == BST_OK);
    tthread_let_run_above(LOW - 1, ROOT_PRIORITY);
    CHECK(stored == 0x5eed);
    CHECK((seen_flags & (RFLAGS_DF | RFLAGS_AC)) == (RFLAGS_DF | RFLAGS_AC));
    return 0;
}

/* ---- saved user state */

static uint64_t write_one(bst_cptr_t tcb, unsigned reg, uint64_t value)
{
    uint64_t regs[BST_REG_RFLAGS + 1] = {0x1000, 0x2000, RFLAGS_IF};
    regs[reg] = value;
    return bst_tcb_write_registers(tcb, false, BST_REG_RFLAGS + 1, regs);
}

CASE(write_registers_refuses_non_user_rip_rsp)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_TCB, 0, ROOT, 0, 0, OTHER_TCB, 1) == BST_OK);
    CHECK(write_one(OTHER_TCB, BST_REG_RIP, 0x1000) == BST_OK);
    static const uint64_t bad[] = {
        NONCANONICAL,                /* the first non-canonical address */
        0xffff7fffffffffffull,       /* the last non-canonical one */
        0xffff800000000000ull,       /* canonical, kernel half */
        0xffffffff80000000ull,       /* the kernel image */
        BST_USER_ADDR_TOP,           /* the never-mapped last user page */
        ~0ull,
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (unsigned reg = BST_REG_RIP; reg <= BST_REG_RSP; reg++) {
            CHECK_FAILS(write_one(OTHER_TCB, reg, bad[i]), BST_E_RANGE, BST_TCB_WRITE_FIRST_REG + reg);
            CHECK(bst_exchange->error.max == BST_USER_ADDR_TOP - 1);
            uint64_t regs[BST_REG_RFLAGS + 1];
            CHECK(bst_tcb_read_registers(OTHER_TCB, BST_REG_RFLAGS + 1, regs) == BST_OK);
            CHECK(regs[BST_REG_RIP] == 0x1000 && regs[BST_REG_RSP] == 0x2000); /* nothing changed */
        }
    }
    return 0;
}

CASE(write_registers_sanitises_rflags)
{
    CHECK(bst_untyped_retype(S(0), BST_OBJ_TCB, 0, ROOT, 0, 0, OTHER_TCB, 1) == BST_OK);
    const uint64_t hostile = RFLAGS_TF | RFLAGS_IOPL3 | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM | RFLAGS_AC |
                             RFLAGS_VIF | RFLAGS_VIP | RFLAGS_ID | ~0x3fffffull;
    CHECK(write_one(OTHER_TCB, BST_REG_RFLAGS, hostile | RFLAGS_CF | RFLAGS_DF) == BST_OK);
    CHECK(read_flags(OTHER_TCB) == (RFLAGS_CF | RFLAGS_DF | RFLAGS_IF | RFLAGS_RESERVED1));
    CHECK(write_one(OTHER_TCB, BST_REG_RFLAGS, 0) == BST_OK); /* interrupts cannot be turned off */
    CHECK(read_flags(OTHER_TCB) == (RFLAGS_IF | RFLAGS_RESERVED1));
    return 0;
}

static void jump_non_canonical(uint64_t i)
{
    (void)i;
    __asm__ volatile("jmp *%0" ::"r"(NONCANONICAL));
    __builtin_unreachable();
}

/*
 * A jump to a non-canonical address faults; whatever rip the CPU reported,
 * the thread's saved rip is canonical afterwards, and resuming it (which
 * leaves the kernel through iretq) faults again at a user address.
 */
CASE(fault_at_non_canonical_rip_resumes_safely)
{
    CHECK(tthread_start_scratch(0, jump_non_canonical, 0, LOW, EP) == BST_OK);
    struct bst_msg m;
    CHECK(bst_recv(EP, &m) == BST_OK);
    CHECK(bst_msginfo_label(m.info) == BST_FAULT_PROTECTION && m.words[BST_FAULT_WORD_VECTOR] == VECTOR_GP);
    uint64_t regs[1];
    CHECK(bst_tcb_read_registers(tthread_tcb_slot(0), 1, regs) == BST_OK);
    uint64_t reported = m.words[BST_FAULT_WORD_IP];
    if (reported == NONCANONICAL) {
        CHECK(regs[BST_REG_RIP] == 0); /* as seL4: no way to guess what the thread wanted */
    } else {
        CHECK(regs[BST_REG_RIP] == reported); /* the CPU reported the jump itself */
    }
    uint64_t w[4] = {0, 0, 0, 0};
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_RESUME, 0, 0), w) == BST_OK);
    CHECK(bst_recv(EP, &m) == BST_OK); /* the resumed thread faults again */
    if (reported == NONCANONICAL) {
        CHECK(bst_msginfo_label(m.info) == BST_FAULT_PAGE && m.words[BST_FAULT_WORD_IP] == 0 &&
              m.words[BST_FAULT_WORD_ADDRESS] == 0);
    } else {
        CHECK(m.words[BST_FAULT_WORD_IP] == reported);
    }
    CHECK(bst_reply(bst_msginfo(BST_FAULT_REPLY_STOP, 0, 0), w) == BST_OK);
    return 0;
}

const struct test_case entry_cases[] = {
    {"entry: exception entry runs the kernel with DF clear", exception_entry_runs_kernel_with_df_clear},
    {"entry: timer entry runs the kernel with DF and AC clear", timer_entry_runs_kernel_with_df_ac_clear},
    {"entry: device interrupt entry runs the kernel with DF and AC clear",
     device_irq_entry_runs_kernel_with_df_ac_clear},
    {"entry: system call entry keeps the thread's DF and AC", syscall_entry_keeps_user_df_ac},
    {"entry: exception entry keeps the thread's DF and AC", exception_entry_keeps_user_df_ac},
    {"entry: WriteRegisters refuses a non-user rip or rsp", write_registers_refuses_non_user_rip_rsp},
    {"entry: WriteRegisters sanitises rflags", write_registers_sanitises_rflags},
    {"entry: a fault at a non-canonical rip resumes safely", fault_at_non_canonical_rip_resumes_safely},
};
const unsigned entry_case_count = sizeof(entry_cases) / sizeof(entry_cases[0]);
