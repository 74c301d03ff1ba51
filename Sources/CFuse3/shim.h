// The slice of libfuse3's low-level API that logdumpfs uses, made importable by Swift.
#ifndef LOGDUMPFS_CFUSE3_SHIM_H
#define LOGDUMPFS_CFUSE3_SHIM_H

// 312: fuse_session_loop_mt takes a fuse_loop_config (a real symbol, not a macro).
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/mount.h>
#include <malloc.h>

/// The daemon's allocations are mostly 1 MiB blocks made and freed all the time. Each is
/// given its own mapping (a fixed threshold stops glibc from moving them onto the heap,
/// where freed blocks fragment it and resident memory creeps up with every GiB read), so
/// resident memory follows the blocks alive; and few arenas serve the many threads.
static inline void ldfs_tune_malloc(void) {
    mallopt(M_MMAP_THRESHOLD, 512 << 10);
    mallopt(M_ARENA_MAX, 2);
}

/// fuse_session_new is a macro from libfuse 3.17 on: one stable name for Swift.
static inline struct fuse_session *ldfs_session_new(struct fuse_args *args,
        const struct fuse_lowlevel_ops *ops, void *userdata) {
    return fuse_session_new(args, ops, sizeof(*ops), userdata);
}

/// fuse_session_loop_mt is a macro selecting the versioned symbol.
static inline int ldfs_session_loop_mt(struct fuse_session *se, struct fuse_loop_config *config) {
    return fuse_session_loop_mt(se, config);
}

/// fuse_file_info's flags are bitfields, which Swift imports awkwardly: setters.
static inline void ldfs_fi_set_direct_io(struct fuse_file_info *fi, int on) { fi->direct_io = on ? 1 : 0; }
static inline void ldfs_fi_set_keep_cache(struct fuse_file_info *fi, int on) { fi->keep_cache = on ? 1 : 0; }
static inline void ldfs_fi_set_noflush(struct fuse_file_info *fi, int on) { fi->noflush = on ? 1 : 0; }

#endif
