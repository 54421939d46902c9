#include "user/lib/bastion.h"
#include <bastion/console.h>
#include "user/lib/invoke.h"
#include "user/lib/ipc.h"
#include "user/lib/tcb.h"
#include "lib/fmt.h"
#include "lib/string.h"

struct bst_exchange *bst_exchange;
const struct bst_bootinfo *bst_bootinfo;
uint64_t bst_start_arg;
static bst_cptr_t console_endpoint; /* 0: the kernel debug line */

void bst_runtime_start(uint64_t arg, struct bst_exchange *exchange, uint64_t start_flags)
    __attribute__((noreturn));

/* A spawned process has no machine to power off: it stops its own thread for good. */
static void __attribute__((noreturn)) child_exit(void)
{
    for (;;) {
        bst_tcb_suspend(BST_CHILD_CAP_TCB);
        bst_yield(); /* only if the process was given no TCB cap of its own */
    }
}

/* The root task powers off with main's status; if it may not (its cap is gone), it stops for good. */
static void __attribute__((noreturn)) root_exit(uint64_t status)
{
    bst_machine_shutdown(BST_CAP_MACHINE_CONTROL, status);
    for (;;) {
        bst_tcb_suspend(BST_CAP_ROOT_TCB);
        bst_yield();
    }
}

/* The start convention is in bastion.h. */
void bst_runtime_start(uint64_t arg, struct bst_exchange *exchange, uint64_t start_flags)
{
    bst_exchange = exchange;
    bool child = start_flags & BST_START_CHILD;
    bst_bootinfo = child ? 0 : (const struct bst_bootinfo *)arg;
    bst_start_arg = child ? arg : 0;
    if (child && (start_flags & BST_START_CONSOLE))
        console_endpoint = BST_CAP_CONSOLE;
    int status = main();
    if (child)
        child_exit();
    root_exit((uint64_t)status);
}

uint64_t bst_debug_null(void) { return bst_syscall3(BST_SYS_DEBUG_NULL, 0, 0, 0).error; }
uint64_t bst_debug_ticks(void) { return bst_debug_call(BST_SYS_DEBUG_TICKS, BST_CAP_MACHINE_CONTROL, 0).value0; }

struct bst_result bst_debug_puts(const char *text, size_t length)
{
    if (length > BST_EXCHANGE_DATA_SIZE)
        length = BST_EXCHANGE_DATA_SIZE;
    memcpy(bst_exchange->data, text, length);
    return bst_debug_call(BST_SYS_DEBUG_PUTS, BST_CAP_MACHINE_CONTROL, length);
}

uint64_t bst_machine_shutdown(bst_cptr_t machine, uint64_t status)
{
    uint64_t w[] = {status};
    return bst_invoke(machine, BST_MACHINE_SHUTDOWN, 1, w, 0);
}

/* ---- console client (abi/bastion/console.h) */

void bst_console_set(bst_cptr_t endpoint) { console_endpoint = endpoint; }
bst_cptr_t bst_console_get(void) { return console_endpoint; }

/* A Call to the console server: words 0-3 in registers, the rest through the exchange frame. */
static uint64_t console_call(uint64_t label, const uint64_t *words, unsigned n, struct bst_msg *reply)
{
    for (unsigned i = BST_MSG_REGISTER_WORDS; i < n; i++)
        bst_exchange->msg[i] = words[i];
    uint64_t e = bst_call(console_endpoint, bst_msginfo(label, 0, n), words, reply);
    return e != BST_OK ? e : bst_msginfo_label(reply->info); /* the server's verdict */
}

static uint64_t console_write(const char *text, size_t n)
{
    uint64_t words[BST_MSG_MAX_WORDS];
    unsigned count = BST_CONSOLE_MSG_WORDS(n);
    /* The register words always go, and the last word's unused bytes go as zeros. */
    memset(words, 0, sizeof(words[0]) * (count > BST_MSG_REGISTER_WORDS ? count : BST_MSG_REGISTER_WORDS));
    words[BST_CONSOLE_WORD_LENGTH] = n;
    memcpy(&words[BST_CONSOLE_WORD_FIRST_BYTES], text, n); /* little endian: byte i is byte i % 8 of its word */
    struct bst_msg reply;
    return console_call(BST_CONSOLE_WRITE, words, count, &reply);
}

uint64_t bst_console_write(const char *text, size_t n)
{
    uint64_t e = console_endpoint ? BST_OK : BST_E_NOT_SUPPORTED;
    while (e == BST_OK && n) {
        size_t chunk = n < BST_CONSOLE_MAX_BYTES ? n : BST_CONSOLE_MAX_BYTES;
        e = console_write(text, chunk);
        text += chunk;
        n -= chunk;
    }
    return e;
}

static void debug_write(const char *text, size_t len)
{
    while (len) {
        size_t chunk = len < BST_EXCHANGE_DATA_SIZE ? len : BST_EXCHANGE_DATA_SIZE;
        bst_debug_puts(text, chunk);
        text += chunk;
        len -= chunk;
    }
}

void bst_puts(const char *text)
{
    size_t len = strlen(text);
    while (len && console_endpoint) {
        size_t chunk = len < BST_CONSOLE_MAX_BYTES ? len : BST_CONSOLE_MAX_BYTES;
        if (console_write(text, chunk) != BST_OK) {
            console_endpoint = 0; /* the server is gone or broken: never lose output */
            break;
        }
        text += chunk;
        len -= chunk;
    }
    debug_write(text, len);
}

static void unpack_line(const struct bst_msg *reply, char *buf, size_t length)
{
    uint64_t words[BST_MSG_MAX_WORDS];
    unsigned count = BST_CONSOLE_MSG_WORDS(length);
    for (unsigned i = BST_CONSOLE_WORD_FIRST_BYTES; i < count; i++)
        words[i] = i < BST_MSG_REGISTER_WORDS ? reply->words[i] : bst_exchange->msg[i];
    memcpy(buf, &words[BST_CONSOLE_WORD_FIRST_BYTES], length);
    buf[length] = 0;
}

uint64_t bst_console_read_line(char *buf, size_t size, size_t *length)
{
    if (!console_endpoint)
        return BST_E_NOT_SUPPORTED;
    if (size == 0)
        return BST_E_INVALID_ARG;
    size_t want = size - 1 < BST_CONSOLE_MAX_BYTES ? size - 1 : BST_CONSOLE_MAX_BYTES;
    uint64_t words[BST_MSG_REGISTER_WORDS] = {[BST_CONSOLE_WORD_LENGTH] = want};
    struct bst_msg reply;
    uint64_t e = console_call(BST_CONSOLE_READ_LINE, words, 1, &reply);
    size_t got = e == BST_OK ? reply.words[BST_CONSOLE_WORD_LENGTH] : 0;
    if (got > want || (got && bst_msginfo_length(reply.info) < BST_CONSOLE_MSG_WORDS(got)))
        return BST_E_TRUNCATED; /* an answer longer than asked, or shorter than it says */
    unpack_line(&reply, buf, got);
    if (length)
        *length = got;
    return e;
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

uint64_t bst_report_failure(const char *who, const char *what, uint64_t error)
{
    if (error != BST_OK)
        bst_printf("%s: %s failed: %s (argument %lld, %llu-%llu)\n", who, what, bst_error_name(error),
                   (long long)bst_exchange->error.argument, (unsigned long long)bst_exchange->error.min,
                   (unsigned long long)bst_exchange->error.max);
    return error;
}

const char *bst_error_name(uint64_t error)
{
    static const char *const names[BST_E_COUNT] = {
        "ok", "invalid capability", "wrong type", "insufficient rights", "invalid argument",
        "range error", "not enough memory", "delete first", "lookup failed",
        "truncated message", "not supported", "revoke first", "illegal operation", "would block",
        "no exchange frame", "partner gone", "callee fault",
    };
    return error < BST_E_COUNT ? names[error] : "unknown error";
}

bst_cptr_t bst_largest_boot_untyped(void)
{
    const struct bst_bootinfo *bi = bst_bootinfo;
    unsigned best = 0;
    bool found = false;
    for (unsigned i = 0; i < bi->untyped_count; i++) {
        if (!bi->untyped[i].is_device && (!found || bi->untyped[i].size_bits > bi->untyped[best].size_bits)) {
            best = i;
            found = true;
        }
    }
    return found ? bi->untyped[best].slot : 0;
}
