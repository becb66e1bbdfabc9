// Transparent huge pages for the heap. Most of Till's memory is a few large arrays and hash
// tables filled once (a load's batches, the sales cube, the customers' histories); on 4 KiB pages
// the kernel takes a fault for every page first written, which cost a loader of 302,010 rows
// 76,000 faults and a sixth of its CPU time, against 21,000 on 2 MiB pages.
#pragma once

namespace till {

// Starts this program again, in the same process (exec, with the same arguments), with glibc's
// malloc told to ask for transparent huge pages for the heap (the tunable
// glibc.malloc.hugetlb=1 added to GLIBC_TUNABLES), when the kernel gives them only to memory
// that asks for them (its "madvise" mode). Returns, changing nothing, when that is not so: the
// kernel always or never gives them, GLIBC_TUNABLES already names glibc.malloc.hugetlb (the
// user's choice stands, and the started-again program finds it there), the C library is not
// glibc, the build is sanitized (the sanitizer has its own allocator), or the exec fails.
// Call it first thing in main(), before any thread starts.
void ReexecWithHugePageHeap(char** argv);

}  // namespace till
