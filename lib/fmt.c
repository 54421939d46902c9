#include "fmt.h"
#include <stdint.h>
#include <stdbool.h>

struct spec {
    bool left;
    bool alternate; /* '#': 0x prefix for hex */
    char pad;
    int width;
    int precision;
    int length; /* 0 int, 1 long, 2 long long, 3 size_t */
};

struct out {
    fmt_sink sink;
    void *ctx;
    int count;
};

static void emit(struct out *o, char c)
{
    o->sink(o->ctx, c);
    o->count++;
}

static void emit_padded(struct out *o, const char *s, int len, const struct spec *sp)
{
    int fill = sp->width > len ? sp->width - len : 0;
    if (!sp->left) {
        /* Zero padding goes after a minus sign, spaces before it. */
        if (sp->pad == '0' && len > 0 && s[0] == '-') {
            emit(o, '-');
            s++;
            len--;
            fill = sp->width > len + 1 ? sp->width - len - 1 : 0;
        } else if (sp->pad == '0' && len > 1 && s[0] == '0' && s[1] == 'x') {
            emit(o, '0');
            emit(o, 'x');
            s += 2;
            len -= 2;
            fill = sp->width > len + 2 ? sp->width - len - 2 : 0;
        }
        while (fill--)
            emit(o, sp->pad);
    }
    for (int i = 0; i < len; i++)
        emit(o, s[i]);
    if (sp->left) {
        while (fill--)
            emit(o, ' ');
    }
}

static int utoa(uint64_t v, unsigned base, bool upper, char *buf)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static uint64_t take_unsigned(va_list *ap, int length)
{
    switch (length) {
    case 0: return va_arg(*ap, unsigned int);
    case 1: return va_arg(*ap, unsigned long);
    case 2: return va_arg(*ap, unsigned long long);
    default: return va_arg(*ap, size_t);
    }
}

static int64_t take_signed(va_list *ap, int length)
{
    switch (length) {
    case 0: return va_arg(*ap, int);
    case 1: return va_arg(*ap, long);
    case 2: return va_arg(*ap, long long);
    default: return (int64_t)va_arg(*ap, size_t);
    }
}

/* Widths and precisions saturate here: a long digit string cannot overflow an int. */
#define FMT_MAX_FIELD (1 << 20)

static const char *parse_number(const char *f, int *n)
{
    while (*f >= '0' && *f <= '9') {
        *n = *n * 10 + (*f++ - '0');
        if (*n > FMT_MAX_FIELD)
            *n = FMT_MAX_FIELD;
    }
    return f;
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){.pad = ' ', .precision = -1};
    for (;; f++) {
        if (*f == '-') sp->left = true;
        else if (*f == '#') sp->alternate = true;
        else if (*f == '0') sp->pad = '0';
        else break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        f++;
    } else {
        f = parse_number(f, &sp->width);
    }
    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            f++;
        } else {
            f = parse_number(f, &sp->precision);
        }
    }
    if (*f == 'z') {
        sp->length = 3;
        f++;
    }
    while (*f == 'l') {
        sp->length++;
        f++;
    }
    if (sp->length > 3)
        sp->length = 2;
    return f;
}

static void format_one(struct out *o, char conv, struct spec *sp, va_list *ap)
{
    char buf[32];
    int n;
    switch (conv) {
    case 'd':
    case 'i': {
        int64_t v = take_signed(ap, sp->length);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        n = 0;
        if (v < 0)
            buf[n++] = '-';
        n += utoa(mag, 10, false, buf + n);
        emit_padded(o, buf, n, sp);
        break;
    }
    case 'u':
    case 'x':
    case 'X':
        n = 0;
        if (sp->alternate && conv != 'u') {
            buf[n++] = '0';
            buf[n++] = 'x';
        }
        n += utoa(take_unsigned(ap, sp->length), conv == 'u' ? 10 : 16, conv == 'X', buf + n);
        emit_padded(o, buf, n, sp);
        break;
    case 'p':
        buf[0] = '0';
        buf[1] = 'x';
        n = 2 + utoa((uintptr_t)va_arg(*ap, void *), 16, false, buf + 2);
        emit_padded(o, buf, n, sp);
        break;
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (!s)
            s = "(null)";
        int len = 0;
        while ((sp->precision < 0 || len < sp->precision) && s[len]) /* no read past it */
            len++;
        sp->pad = ' ';
        emit_padded(o, s, len, sp);
        break;
    }
    case 'c':
        buf[0] = (char)va_arg(*ap, int);
        emit_padded(o, buf, 1, sp);
        break;
    default:
        /* Unknown conversions are printed as they are, so mistakes stay visible. */
        emit(o, '%');
        if (conv)
            emit(o, conv);
        break;
    }
}

int fmt_format(fmt_sink sink, void *ctx, const char *f, va_list args)
{
    struct out o = {sink, ctx, 0};
    va_list ap;
    va_copy(ap, args);
    while (*f) {
        if (*f != '%') {
            emit(&o, *f++);
            continue;
        }
        f++;
        if (*f == '%') {
            emit(&o, *f++);
            continue;
        }
        struct spec sp;
        f = parse_spec(f, &sp, &ap);
        format_one(&o, *f, &sp, &ap);
        if (*f)
            f++;
    }
    va_end(ap);
    return o.count;
}

struct buffer_ctx {
    char *buffer;
    size_t size;
    size_t used;
};

static void buffer_sink(void *ctx, char c)
{
    struct buffer_ctx *b = ctx;
    if (b->used + 1 < b->size)
        b->buffer[b->used] = c;
    b->used++;
}

int fmt_vsnprintf(char *buffer, size_t size, const char *format, va_list args)
{
    struct buffer_ctx b = {buffer, size, 0};
    int n = fmt_format(buffer_sink, &b, format, args);
    if (size)
        buffer[b.used < size ? b.used : size - 1] = 0;
    return n;
}

int fmt_snprintf(char *buffer, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = fmt_vsnprintf(buffer, size, format, ap);
    va_end(ap);
    return n;
}
