#ifndef RISKCENSUS_CXXHASH_SHIM_H
#define RISKCENSUS_CXXHASH_SHIM_H
#include <xxhash.h>
#endif
