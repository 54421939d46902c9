/* Host stand-in for the kernel's serial line: the kernel log goes to stderr. */
#include <stdio.h>

void arch_serial_putc(char c);
void arch_serial_putc(char c) { fputc(c, stderr); }
