/*
 * COM2 16550 UART: the kernel's own log and panic line. COM1 belongs to the
 * console driver (user/servers/uart) alone; tools/qemu-run puts both lines on
 * the same terminal. The ports are reserved (arch_io_ports_reserved): never issued.
 */
#include "cpu.h"
#include "kernel/arch/arch.h"

#define COM2 0x2f8
#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define DIVISOR_115200 1
#define SPIN_LIMIT 100000 /* bounds each byte: a stuck transmitter must not hang the kernel */

void arch_serial_init(void)
{
    outb(COM2 + UART_IER, 0x00);
    outb(COM2 + UART_LCR, LCR_DLAB);
    outb(COM2 + UART_DATA, DIVISOR_115200);
    outb(COM2 + UART_IER, 0x00);
    outb(COM2 + UART_LCR, LCR_8N1);
    outb(COM2 + UART_FCR, 0xc7); /* enable and clear FIFOs */
    outb(COM2 + UART_MCR, 0x03);
}

void arch_serial_putc(char c)
{
    for (int spins = 0; spins < SPIN_LIMIT && !(inb(COM2 + UART_LSR) & LSR_THR_EMPTY); spins++)
        ;
    outb(COM2 + UART_DATA, (uint8_t)c);
}
