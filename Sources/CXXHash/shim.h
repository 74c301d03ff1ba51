// xxHash (libxxhash-dev): XXH3, the checksum of every cached block.
#ifndef LOGDUMPFS_CXXHASH_SHIM_H
#define LOGDUMPFS_CXXHASH_SHIM_H
#include <xxhash.h>
#endif
