#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// rename(2) that never replaces an existing entry: renameat2 with RENAME_NOREPLACE (glibc's
/// wrapper is not visible to Swift, and syscall(2) is variadic). -1 with errno EEXIST when `to`
/// exists; ENOSYS or EINVAL where the kernel or file system lacks it (the caller falls back).
static inline int lethe_rename_noreplace(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */);
}
