#include <sodium.h>
#include <sys/prctl.h>

/* prctl is variadic, which Swift cannot call: ProcessHardening calls this instead. */
static inline int lethe_set_not_dumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
