#ifndef RISKCENSUS_CGEOS_SHIM_H
#define RISKCENSUS_CGEOS_SHIM_H
/* Only the reentrant (_r) API: every call goes through a context handle owned by one worker. */
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#endif
