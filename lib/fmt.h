/*
 * A small printf-style formatter shared by the kernel log and the user
 * runtime. Supports %d %i %u %x %X %p %s %c %% with flags '-', '0', '#', a width,
 * a precision for strings, and the l, ll and z length modifiers.
 */
#ifndef BASTION_LIB_FMT_H
#define BASTION_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_sink)(void *ctx, char c);

/* Formats into sink; returns the number of characters produced. */
int fmt_format(fmt_sink sink, void *ctx, const char *format, va_list args);

/* Like vsnprintf: always NUL-terminates when size > 0, returns the full length. */
int fmt_vsnprintf(char *buffer, size_t size, const char *format, va_list args);
int fmt_snprintf(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
