#include "kernel/lib/log.h"
#include "kernel/arch/arch.h"
#include "lib/fmt.h"

static enum log_level current_level = LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level) { current_level = level; }

static void serial_sink(void *ctx, char c)
{
    (void)ctx;
    if (c == '\n')
        arch_serial_putc('\r');
    arch_serial_putc(c);
}

void kvprintf(const char *format, va_list args) { fmt_format(serial_sink, 0, format, args); }

void kprintf(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    kvprintf(format, ap);
    va_end(ap);
}

void log_line(enum log_level level, const char *format, ...)
{
    if (level > current_level)
        return;
    kprintf("[%s] ", level_names[level]);
    va_list ap;
    va_start(ap, format);
    kvprintf(format, ap);
    va_end(ap);
    kprintf("\n");
}
