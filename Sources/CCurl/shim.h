#ifndef SIFT_CCURL_SHIM_H
#define SIFT_CCURL_SHIM_H
#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are C-variadic, which
// Swift cannot call: these typed wrappers pass each argument kind through.

static inline CURLcode sift_curl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sift_curl_easy_setopt_off(CURL *easy, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sift_curl_easy_setopt_string(CURL *easy, CURLoption option, const char *value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sift_curl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sift_curl_easy_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sift_curl_easy_setopt_write_callback(CURL *easy, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sift_curl_easy_setopt_opensocket_callback(CURL *easy, curl_opensocket_callback value) {
    return curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, value);
}
static inline CURLcode sift_curl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return curl_easy_getinfo(easy, info, value);
}
static inline CURLcode sift_curl_easy_getinfo_string(CURL *easy, CURLINFO info, char **value) {
    return curl_easy_getinfo(easy, info, value);
}
static inline CURLcode sift_curl_easy_getinfo_off(CURL *easy, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(easy, info, value);
}
static inline CURLcode sift_curl_easy_getinfo_pointer(CURL *easy, CURLINFO info, void **value) {
    return curl_easy_getinfo(easy, info, value);
}
static inline CURLMcode sift_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// Callbacks beyond the write callback (the header callback shares its C type).
static inline CURLcode sift_curl_easy_setopt_prereq_callback(CURL *easy, curl_prereq_callback value) {
    return curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, value);
}

// Macros that Swift cannot import (casts, or-ed macros) as plain values.
static inline size_t sift_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
static inline int sift_curl_pause_cont(void) { return CURLPAUSE_CONT; }
static inline long sift_curl_global_all(void) { return CURL_GLOBAL_ALL; }
static inline long sift_curlpipe_multiplex(void) { return CURLPIPE_MULTIPLEX; }
static inline curl_socket_t sift_curl_socket_bad(void) { return CURL_SOCKET_BAD; }
static inline int sift_curl_prereqfunc_ok(void) { return CURL_PREREQFUNC_OK; }
static inline int sift_curl_prereqfunc_abort(void) { return CURL_PREREQFUNC_ABORT; }
static inline size_t sift_curl_error_size(void) { return CURL_ERROR_SIZE; }

// The address an opensocket callback is asked to connect to, as raw bytes: returns 4
// (IPv4, bytes[0..<4]), 6 (IPv6, bytes[0..<16]) or 0 for any other family.
static inline int sift_curl_sockaddr_bytes(const struct curl_sockaddr *address, unsigned char bytes[16]) {
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)&address->addr;
        memcpy(bytes, &v4->sin_addr, 4);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)&address->addr;
        memcpy(bytes, &v6->sin6_addr, 16);
        return 6;
    }
    return 0;
}

// What libcurl's default opensocket does, plus close-on-exec so no child process inherits it.
static inline curl_socket_t sift_curl_open_socket(const struct curl_sockaddr *address) {
#ifdef SOCK_CLOEXEC
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
#else
    return socket(address->family, address->socktype, address->protocol);
#endif
}

// Names the calling thread (shows in top -H, gdb, /proc/PID/task/TID/comm).
#if defined(__linux__)
#include <sys/prctl.h>
static inline void sift_name_current_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }
#else
static inline void sift_name_current_thread(const char *name) { (void)name; }
#endif

// The resolver-start callback: libcurl calls it when a transfer begins resolving its host,
// that is once it has left the wait for a free connection.
typedef int (*sift_curl_resolver_start_callback)(void *resolver_state, void *reserved, void *userdata);
static inline CURLcode sift_curl_easy_setopt_resolver_start_callback(CURL *easy, sift_curl_resolver_start_callback value) {
    return curl_easy_setopt(easy, CURLOPT_RESOLVER_START_FUNCTION, value);
}

#endif
