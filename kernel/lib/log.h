/* The kernel log: leveled lines on the debug serial port. */
#ifndef BASTION_KERNEL_LOG_H
#define BASTION_KERNEL_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
void log_line(enum log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));
void kprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *format, va_list args);

#define log_error(...) log_line(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_line(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_line(LOG_INFO, __VA_ARGS__)
#ifdef BASTION_DEBUG
#define log_debug(...) log_line(LOG_DEBUG, __VA_ARGS__)
#else
#define log_debug(...) ((void)0)
#endif

#endif
