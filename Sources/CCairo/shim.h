#ifndef RISKCENSUS_CCAIRO_SHIM_H
#define RISKCENSUS_CCAIRO_SHIM_H
/* Cairo's image (PNG) and SVG surfaces: one drawing API for both map formats. Fontconfig, which
   Cairo's text uses, only to release its caches when a process is done drawing. */
#include <cairo.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#endif
