#ifndef SIFT_CSQLITE_SHIM_H
#define SIFT_CSQLITE_SHIM_H
#include <sqlite3.h>
#include <zlib.h>

/// SQLITE_TRANSIENT is a macro over a cast Swift cannot import.
static inline void (*sift_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }

/// inflateInit2 is a macro; this opens `stream` for gzip (and dictzip) input.
static inline int sift_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
#endif
