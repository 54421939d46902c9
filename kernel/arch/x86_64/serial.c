/* COM1 16550 UART: the kernel's own log and panic line (user programs get a driver later). */
#include "cpu.h"
#include "kernel/arch/arch.h"

#define COM1 0x3f8
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

void arch_serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, DIVISOR_115200);
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, 0xc7); /* enable and clear FIFOs */
    outb(COM1 + UART_MCR, 0x03);
}

void arch_serial_putc(char c)
{
    for (int spins = 0; spins < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); spins++)
        ;
    outb(COM1 + UART_DATA, (uint8_t)c);
}
