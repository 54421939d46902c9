#include "user/lib/bastion.h"
#include "lib/fmt.h"
#include "lib/string.h"

struct bst_exchange *bst_exchange;
const struct bst_bootinfo *bst_bootinfo;

void bst_runtime_start(const struct bst_bootinfo *bootinfo, struct bst_exchange *exchange)
    __attribute__((noreturn));

void bst_runtime_start(const struct bst_bootinfo *bootinfo, struct bst_exchange *exchange)
{
    bst_bootinfo = bootinfo;
    bst_exchange = exchange;
    int status = main();
    bst_debug_shutdown((uint64_t)status);
}

uint64_t bst_debug_null(void) { return bst_syscall3(BST_SYS_DEBUG_NULL, 0, 0, 0).error; }
uint64_t bst_debug_ticks(void) { return bst_syscall3(BST_SYS_DEBUG_TICKS, 0, 0, 0).value0; }

struct bst_result bst_debug_puts(const char *text, size_t length)
{
    if (length > BST_EXCHANGE_DATA_SIZE)
        length = BST_EXCHANGE_DATA_SIZE;
    memcpy(bst_exchange->data, text, length);
    return bst_syscall3(BST_SYS_DEBUG_PUTS, length, 0, 0);
}

void bst_debug_shutdown(uint64_t status)
{
    bst_syscall3(BST_SYS_DEBUG_SHUTDOWN, status, 0, 0);
    for (;;)
        ;
}

void bst_puts(const char *text)
{
    size_t len = strlen(text);
    while (len) {
        size_t chunk = len < BST_EXCHANGE_DATA_SIZE ? len : BST_EXCHANGE_DATA_SIZE;
        bst_debug_puts(text, chunk);
        text += chunk;
        len -= chunk;
    }
}

int bst_printf(const char *format, ...)
{
    char line[BST_EXCHANGE_DATA_SIZE];
    va_list ap;
    va_start(ap, format);
    int n = fmt_vsnprintf(line, sizeof(line), format, ap);
    va_end(ap);
    bst_puts(line);
    return n;
}

const char *bst_error_name(uint64_t error)
{
    static const char *const names[BST_E_COUNT] = {
        "ok", "invalid capability", "wrong type", "insufficient rights", "invalid argument",
        "range error", "not enough memory", "delete first", "lookup failed",
        "truncated message", "not supported", "revoke first", "illegal operation", "would block",
    };
    return error < BST_E_COUNT ? names[error] : "unknown error";
}
