/* Entry points from the architecture layer into the arch-neutral kernel core. */
#ifndef BASTION_CORE_KERNEL_H
#define BASTION_CORE_KERNEL_H

#include "kernel/arch/arch.h"
#include "kernel/object/tcb.h"

void kernel_main(uint32_t boot_magic, uint32_t boot_info_phys);
void kernel_timer_tick(void);
void kernel_device_irq(unsigned irq);
void kernel_handle_user_fault(struct tcb *tcb, const struct fault_info *fault);
uint64_t kernel_ticks(void);
void kernel_panic_here(const char *reason) __attribute__((noreturn));

#define BASTION_VERSION "0.1.0"

/*
 * Test runs boot with "exit_when_idle" (when no thread is left, QEMU exits
 * with KERNEL_EXIT_IDLE) and "exit_on_panic" (after the panic report, QEMU
 * exits with KERNEL_EXIT_PANIC instead of halting), so a runner never waits
 * for a timeout to learn the outcome.
 */
#define KERNEL_EXIT_IDLE 2
#define KERNEL_EXIT_PANIC 3
extern bool kernel_exit_when_idle;
extern bool kernel_exit_on_panic;

#endif
