#ifndef SIFT_CSQLITE_SHIM_H
#define SIFT_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast Swift cannot import.
static inline void (*sift_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
#endif
