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

/* The calling thread's exchange frame (set by the runtime at start-up). */
extern struct bst_exchange *bst_exchange;
extern const struct bst_bootinfo *bst_bootinfo;

/* Program entry, called by the runtime. */
int main(void);

/* Debug-build kernel calls. */
uint64_t bst_debug_null(void);
uint64_t bst_debug_ticks(void);
struct bst_result bst_debug_puts(const char *text, size_t length);
void bst_debug_shutdown(uint64_t status) __attribute__((noreturn));

/* Console output (through the kernel debug line until the console driver exists). */
int bst_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void bst_puts(const char *text);

/* Errors as text, for reports. */
const char *bst_error_name(uint64_t error);

static inline uint64_t bst_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif
