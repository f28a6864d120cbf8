#ifndef RISKCENSUS_CPROJ_SHIM_H
#define RISKCENSUS_CPROJ_SHIM_H
#include <proj.h>
#endif
