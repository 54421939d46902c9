/*
 * Freestanding string and memory helpers, compiled into both the kernel and
 * the user runtime (one source, no duplication) and unit-tested on the host.
 */
#ifndef BASTION_LIB_STRING_H
#define BASTION_LIB_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
size_t strlcpy(char *dst, const char *src, size_t size);
const char *strstr_bounded(const char *haystack, const char *needle);

#endif
