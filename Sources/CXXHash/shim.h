// xxHash (libxxhash-dev): XXH3, the checksum of every cached block (keyed with the
// cache's secret through the `_withSecret` variant).
#ifndef LOGDUMPFS_CXXHASH_SHIM_H
#define LOGDUMPFS_CXXHASH_SHIM_H
#include <xxhash.h>

#if defined(__x86_64__) || defined(__i386__)
// The library's runtime dispatch picks AVX2 or AVX-512 where the CPU has them; plain
// XXH3_64bits is built for SSE2 only. Same hash values either way.
#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>
static inline XXH64_hash_t ldfs_xxh3_64(const void *input, size_t length) {
    return XXH3_64bits_dispatch(input, length);
}
static inline XXH64_hash_t ldfs_xxh3_64_keyed(const void *input, size_t length, const void *secret, size_t secretLength) {
    return XXH3_64bits_withSecret_dispatch(input, length, secret, secretLength);
}
#else
static inline XXH64_hash_t ldfs_xxh3_64(const void *input, size_t length) {
    return XXH3_64bits(input, length);
}
static inline XXH64_hash_t ldfs_xxh3_64_keyed(const void *input, size_t length, const void *secret, size_t secretLength) {
    return XXH3_64bits_withSecret(input, length, secret, secretLength);
}
#endif

#endif
