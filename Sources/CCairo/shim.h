#ifndef RISKCENSUS_CCAIRO_SHIM_H
#define RISKCENSUS_CCAIRO_SHIM_H
/* Cairo's image (PNG) and SVG surfaces: one drawing API for both map formats. */
#include <cairo.h>
#include <cairo-svg.h>
#endif
