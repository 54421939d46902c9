/*
 * The Bastion user runtime: system call stubs, exchange-frame access and
 * console output. Every call takes scalars in registers; anything bigger goes
 * through the thread's exchange frame (abi/bastion/exchange.h).
 */
#ifndef BASTION_USER_H
#define BASTION_USER_H

#include <bastion/types.h>
#include <bastion/syscall.h>
#include <bastion/error.h>
#include <bastion/exchange.h>
#include <bastion/bootinfo.h>

struct bst_result {
    uint64_t error; /* enum bst_error */
    uint64_t value0, value1;
};

static inline struct bst_result bst_syscall3(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2)
{
    register uint64_t rax __asm__("rax") = number;
    register uint64_t rdi __asm__("rdi") = a0;
    register uint64_t rsi __asm__("rsi") = a1;
    register uint64_t rdx __asm__("rdx") = a2;
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                     :
                     : "rcx", "r8", "r9", "r10", "r11", "memory");
    return (struct bst_result){rax, rdx, rsi};
}

/*
 * Start-up. Every program enters at _start (crt0.S) with
 *   rdi = the bootinfo address (root task) or the start argument (a spawned process),
 *   rsi = the user address of the thread's exchange frame,
 *   rdx = 0 for the root task (the kernel starts it with every other register 0),
 *         BST_START_CHILD | BST_START_* flags for a process bst_process_spawn made.
 * The runtime sets bst_bootinfo (NULL in a spawned process: it gets no
 * bootinfo), bst_start_arg (0 in the root task) and bst_exchange, then calls
 * main. When main returns, the root task powers the machine off with main's
 * status (test runs rely on it); a spawned process suspends itself through
 * its own TCB cap (BST_CHILD_CAP_TCB) and never runs again.
 */
#define BST_START_CHILD (1ull << 0)
#define BST_START_CONSOLE (1ull << 1) /* a console endpoint waits at BST_CAP_CONSOLE (console.h) */

/*
 * A spawned process's CSpace: one CNode of 2^BST_CHILD_CNODE_RADIX slots,
 * guarded like the root task's so a slot number is a capability address.
 * Slots 1-3 mirror the root task's; the spawner fills slots from
 * BST_CHILD_FIRST_FREE on as it is asked (BST_CAP_CONSOLE by convention).
 */
#define BST_CHILD_CNODE_RADIX 6
#define BST_CHILD_CNODE_SLOTS (1u << BST_CHILD_CNODE_RADIX)
enum bst_child_slot {
    BST_CHILD_CAP_TCB = BST_CAP_ROOT_TCB,       /* the process's own thread */
    BST_CHILD_CAP_CNODE = BST_CAP_ROOT_CNODE,   /* its CSpace root */
    BST_CHILD_CAP_VSPACE = BST_CAP_ROOT_VSPACE, /* its address space (to bind I/O ports, map frames) */
    BST_CHILD_FIRST_FREE = 4,
};

/* The calling thread's exchange frame and the start-up facts (set by the runtime). */
extern struct bst_exchange *bst_exchange;
extern const struct bst_bootinfo *bst_bootinfo; /* NULL in a spawned process */
extern uint64_t bst_start_arg;                  /* a spawned process's start argument */

/* Program entry, called by the runtime. */
int main(void);

/*
 * Authority over the machine (abi/bastion/syscall.h, docs/security.md).
 * The runtime names the MachineControl cap in slot BST_CAP_MACHINE_CONTROL for
 * its debug calls and for powering off: the root task has it there from boot,
 * a spawned process only if its spawner put a copy there (by convention, like
 * BST_CAP_CONSOLE). Without it, text for the kernel debug line is refused
 * (lost) and main's return cannot power the machine off.
 */
static inline struct bst_result bst_debug_call(uint64_t number, bst_cptr_t machine, uint64_t arg)
{
    return bst_syscall3(number, machine, arg, 0);
}
/* Debug-build kernel calls through the runtime's MachineControl slot. */
uint64_t bst_debug_null(void);  /* needs no cap */
uint64_t bst_debug_ticks(void); /* 0 if refused */
struct bst_result bst_debug_puts(const char *text, size_t length);
/* Powers the machine off with status (every build); returns an enum bst_error only if refused. */
uint64_t bst_machine_shutdown(bst_cptr_t machine, uint64_t status);

/*
 * Console output. Text goes to the console server (abi/bastion/console.h)
 * once the process has a console endpoint: a spawned process from the start
 * (BST_START_CONSOLE), the root task after bst_console_set. Without one, or
 * if the server fails, it goes to the kernel's debug line (debug builds, and
 * only with a MachineControl cap at BST_CAP_MACHINE_CONTROL: else it is lost).
 */
int bst_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void bst_puts(const char *text);
/* Sends console output to the endpoint at cptr from now on (0: the kernel debug line again). */
void bst_console_set(bst_cptr_t endpoint);
bst_cptr_t bst_console_get(void);
/* Writes n bytes through the console server only (no fallback); returns an enum bst_error. */
uint64_t bst_console_write(const char *text, size_t n);
/*
 * Reads one line from the console server into buf (NUL-terminated, without
 * the line end; at most size - 1 bytes). Returns an enum bst_error;
 * BST_E_NOT_SUPPORTED without a console endpoint.
 */
uint64_t bst_console_read_line(char *buf, size_t size, size_t *length);

/* Root task: the slot of the largest non-device Untyped in bootinfo (0 if none). */
bst_cptr_t bst_largest_boot_untyped(void);

/* Errors as text, for reports. */
const char *bst_error_name(uint64_t error);
/* Prints "<who>: <what> failed: <error> (argument, min-max)" from the exchange frame's detail when
 * error is not BST_OK; returns error. */
uint64_t bst_report_failure(const char *who, const char *what, uint64_t error);

static inline uint64_t bst_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif
